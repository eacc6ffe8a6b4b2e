import { runKeys } from './keys';

// Node 20 is what this repo supports; the SDK's warning about it is noise on an operator's screen.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// The edge: the only place that reads process.env and argv, and sets the exit code.
void runKeys(process.argv.slice(2), process.env, { out: (text) => console.log(text), err: (text) => console.error(text) }).then((code) => {
  process.exitCode = code;
});
