import { FundGuardError } from '@fundguard/core';

/** The demo users' password: accepted as-is only in demo mode (FUNDGUARD_DEMO=1); elsewhere it must be changed at once. */
export const DEMO_PASSWORD = 'fundguard-demo';

export const PASSWORD_MIN = 10;
/** scrypt of a megabyte-long password is a cheap way to burn the server's CPU */
export const PASSWORD_MAX = 256;

/** Common passwords of ten or more characters (shorter ones fail the length rule anyway), compared case-insensitively. */
const COMMON = new Set([
  'password', 'password1', 'password12', 'password123', 'password1234', 'passw0rd123', 'p@ssw0rd123', 'p@ssword123',
  '1234567890', '12345678910', '123456789a', 'a123456789', '0123456789', '0987654321', '1111111111', '1234512345',
  '1q2w3e4r5t', '1qaz2wsx3edc', 'qwertyuiop', 'qwerty123456', 'qwerty12345', 'qwertyuiop123', 'asdfghjkl1', 'zxcvbnm123',
  'iloveyou12', 'iloveyou123', 'abc1234567', 'abcd123456', 'abcdefghij', 'abcdef123456', 'admin12345', 'admin123456',
  'administrator', 'welcome123', 'welcome1234', 'letmein123', 'changeme123', 'sunshine123', 'football123', 'baseball123',
  'princess123', 'monkey12345', 'dragon12345', 'master12345', 'trustno1234', 'superman123', 'whatever123', 'computer123',
  'woaini1314', 'woaini520', '5201314520', '1314520520', 'aini1314520', 'qq123456789', 'a1234567890', 'aa123456789',
  '147258369a', '1472583690', '123123123a', '123qweasdzxc', 'qweasdzxc123', 'zaq12wsx123', 'huawei123456', 'root123456',
  'test123456', 'user123456', 'guest12345', 'fundguard', 'fundguard1', 'fundguard123', 'fundguard2024', 'fundguard2025',
  'fundguard2026', 'yibao123456', 'yibao12345', 'medical123', 'hospital123', 'changeit123', 'default1234',
]);

/**
 * The password rule of issue 16: at least PASSWORD_MIN characters, not a common password, not the user name, not one
 * character repeated. Throws E_PASSWORD_POLICY naming the reason in Chinese and English.
 */
export function checkPasswordPolicy(password: string, username: string): void {
  const refuse = (zh: string, en: string) => new FundGuardError('E_PASSWORD_POLICY', `密码不符合要求：${zh} (${en})`, [{ field: 'password', reason: en }]);
  if (typeof password !== 'string' || password.length < PASSWORD_MIN) throw refuse(`至少 ${PASSWORD_MIN} 个字符`, `at least ${PASSWORD_MIN} characters`);
  if (password.length > PASSWORD_MAX) throw refuse(`最多 ${PASSWORD_MAX} 个字符`, `at most ${PASSWORD_MAX} characters`);
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) throw refuse('是常见密码', 'a common password');
  if (username && lower === username.toLowerCase()) throw refuse('不能与用户名相同', 'the same as the user name');
  if (new Set(password).size < 3) throw refuse('字符过于单一', 'too few different characters');
}
