import { runOps } from './main';

// Node 20 is what this repo supports; the SDK's warning about it is noise on an operator's screen.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// The edge: the only place that reads process.env, argv and stdin, and sets the exit code.
void runOps(process.argv.slice(2), process.env, { out: (text) => console.log(text), err: (text) => console.error(text), stdin: process.stdin }).then((code) => {
  process.exitCode = code;
});
