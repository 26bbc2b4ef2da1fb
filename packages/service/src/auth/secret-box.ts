import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FundGuardError } from '@fundguard/core';

/** How an operator makes a key (named in the start-up error and docs/deployment.md). */
export const SECRET_KEY_HINT = 'generate one with `openssl rand -base64 32` (or `node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'base64\'))"`)';

/** A key derived from the server secret for one purpose, named by a fingerprint that reveals nothing of it. */
export interface DerivedKey {
  id: string;
  key: Buffer;
}

/**
 * The server secret, kept outside the database: it encrypts integration secrets at rest (AES-256-GCM; x-tif
 * signatures are recomputed from the secret, so it cannot be stored only as a hash) and keys the audit-log chain.
 * Rotation: the new secret seals; the previous ones (FUNDGUARD_SECRET_KEY_PREVIOUS) still open and still verify.
 */
export class SecretBox {
  private readonly key: Buffer;
  private readonly previous: Buffer[];
  private readonly materials: (string | Buffer)[];

  constructor(material: string | Buffer, previous: (string | Buffer)[] = []) {
    this.key = createHash('sha256').update(material).digest();
    this.previous = previous.map((p) => createHash('sha256').update(p).digest());
    this.materials = [material, ...previous];
  }

  /**
   * FUNDGUARD_SECRET_KEY when set (required on PostgreSQL: every process must share it); otherwise a key file created
   * on first use in the embedded data directory (mode 0600). FUNDGUARD_SECRET_KEY_PREVIOUS: comma-separated earlier
   * keys, still accepted after a rotation.
   */
  static fromEnv(env: NodeJS.ProcessEnv, dataDir: string | undefined, opts: { postgres?: boolean } = {}): SecretBox {
    const previous = (env.FUNDGUARD_SECRET_KEY_PREVIOUS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (env.FUNDGUARD_SECRET_KEY) {
      if (env.FUNDGUARD_SECRET_KEY.trim().length < 16) {
        throw new FundGuardError('E_CONFIG_INVALID', `FUNDGUARD_SECRET_KEY 太短 (too short): at least 16 characters; ${SECRET_KEY_HINT}`);
      }
      return new SecretBox(env.FUNDGUARD_SECRET_KEY.trim(), previous);
    }
    if (opts.postgres || !dataDir) {
      throw new FundGuardError('E_CONFIG_INVALID',
        '缺少 FUNDGUARD_SECRET_KEY (FUNDGUARD_SECRET_KEY is required with DATABASE_URL): every process on one PostgreSQL database must share the same '
        + `server secret, or a signed x-tif request accepted by one process is refused by another; ${SECRET_KEY_HINT} and set it in every process's environment (docs/deployment.md)`);
    }
    const dir = resolve(dataDir);
    const file = join(dir, 'secret.key');
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    }
    return new SecretBox(readFileSync(file, 'utf8').trim(), previous);
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return `v1.${iv.toString('base64')}.${c.getAuthTag().toString('base64')}.${body.toString('base64')}`;
  }

  /** Opens with the current key or, after a rotation, a previous one; null when none fits. */
  open(sealed: string): string | null {
    for (const key of [this.key, ...this.previous]) {
      const plain = openWith(key, sealed);
      if (plain !== null) return plain;
    }
    return null;
  }

  /** Whether `sealed` was sealed with the current key (else `keys reseal` should re-encrypt it). */
  isCurrent(sealed: string): boolean {
    return openWith(this.key, sealed) !== null;
  }

  /** Keys for one purpose (e.g. the audit-log chain): the current first, then the previous ones. */
  derived(purpose: string): DerivedKey[] {
    return this.materials.map((m) => {
      const key = createHmac('sha256', m).update(`fundguard/${purpose}/v1`).digest();
      return { id: createHash('sha256').update(key).digest('hex').slice(0, 16), key };
    });
  }
}

function openWith(key: Buffer, sealed: string): string | null {
  const [v, iv, tag, body] = sealed.split('.');
  if (v !== 'v1' || !iv || !tag || body === undefined) return null;
  try {
    const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    d.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([d.update(Buffer.from(body, 'base64')), d.final()]).toString('utf8');
  } catch {
    return null;
  }
}
