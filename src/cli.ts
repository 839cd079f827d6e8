/**
 * The `paper-atlas` binary: runs the CLI and sets the exit code. Nothing imports this file; the
 * program and its commands live in src/cli/ and can be imported without running anything.
 */
import { main } from './cli/program.js';

void main().then((code) => {
  process.exitCode = code;
});
