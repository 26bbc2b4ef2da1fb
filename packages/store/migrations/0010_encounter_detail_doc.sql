-- Each encounter's lines, diagnoses, operations and labs as one JSON text (the same arrays EncountersRepo writes),
-- filled here for the encounters stored before this column existed.
ALTER TABLE "encounters" ADD COLUMN "detail_doc" text;
--> statement-breakpoint
UPDATE "encounters" e SET "detail_doc" = json_build_array(
  coalesce((select json_agg(json_build_array(rx_id, rxno, grpno, long_drord_flag, hilist_type, chrg_type, drord_bhvr, hilist_code, hilist_name, hilist_lv, hilist_pric, hosplist_code, hosplist_name, cnt, pric, sumamt, ownpay_amt, selfpay_amt, spec, spec_unt, drord_dept_codg, drord_dept_name, drord_dr_codg, drord_dr_name, drord_dr_profttl, curr_drord_flag, ext_days, ext_doses, drord_begn_date::text) order by seq) from order_lines x where x.mdtrt_id = e.mdtrt_id), '[]'::json),
  coalesce((select json_agg(json_build_array(dise_id, inout_dise_type, maindise_flag, dias_srt_no, dise_codg, dise_name, dise_date::text) order by seq) from diagnoses x where x.mdtrt_id = e.mdtrt_id), '[]'::json),
  coalesce((select json_agg(json_build_array(setl_list_oprn_id, oprn_code, oprn_name, main_oprn_flag, oprn_date::text) order by seq) from operations x where x.mdtrt_id = e.mdtrt_id), '[]'::json),
  coalesce((select json_agg(json_build_array(lab_code, lab_name, rslt_val, rslt_unt, test_date::text) order by seq) from lab_results x where x.mdtrt_id = e.mdtrt_id), '[]'::json)
)::text;
--> statement-breakpoint
ALTER TABLE "encounters" ALTER COLUMN "detail_doc" SET NOT NULL;
