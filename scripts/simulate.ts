// Process entry of `npm run simulate`: the simulator's CLI with this process's argv and env.
import { runCli } from '../simulator/cli.ts';

runCli(process.argv.slice(2), process.env);
