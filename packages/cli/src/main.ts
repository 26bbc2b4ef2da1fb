import { Command, CommanderError } from 'commander';
import { registrars } from './commands/index.ts';
import { reportAndExit } from './exit.ts';

const program = new Command('fundguard')
  .description('FundGuard 医保基金智能审核与监管平台')
  .exitOverride()
  .showHelpAfterError();
for (const register of registrars) register(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  reportAndExit(e);
}
