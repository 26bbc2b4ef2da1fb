/** The i-th variant of a 3101/3102 body: its patient and encounter ids get the suffix -D<i> (constant-rate.mjs). */
export function distinctBody(template, i) {
  return template.replace(/"(patn_id|mdtrt_id|curr_mdtrt_id)":"([^"]*)"/g, (_, f, v) => `"${f}":"${v}-D${i}"`);
}
