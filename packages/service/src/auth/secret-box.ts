import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Encrypts integration secrets at rest (AES-256-GCM). x-tif signatures are recomputed from the secret, so it
 * cannot be stored only as a hash; the key that protects it lives outside the database.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(material: string | Buffer) {
    this.key = createHash('sha256').update(material).digest();
  }

  /**
   * FUNDGUARD_SECRET_KEY when set (required when several processes share PostgreSQL); otherwise a key file
   * created on first use in the embedded data directory (mode 0600).
   */
  static fromEnv(env: NodeJS.ProcessEnv, dataDir: string): SecretBox {
    if (env.FUNDGUARD_SECRET_KEY) return new SecretBox(env.FUNDGUARD_SECRET_KEY);
    const dir = resolve(dataDir);
    const file = join(dir, 'secret.key');
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    }
    return new SecretBox(readFileSync(file, 'utf8').trim());
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return `v1.${iv.toString('base64')}.${c.getAuthTag().toString('base64')}.${body.toString('base64')}`;
  }

  open(sealed: string): string | null {
    const [v, iv, tag, body] = sealed.split('.');
    if (v !== 'v1' || !iv || !tag || body === undefined) return null;
    try {
      const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      d.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([d.update(Buffer.from(body, 'base64')), d.final()]).toString('utf8');
    } catch {
      return null;
    }
  }
}
