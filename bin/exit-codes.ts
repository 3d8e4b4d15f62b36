/** Process exit codes of docs/architecture.md, Verdicts. */
export const EXIT_OK = 0;
export const EXIT_FAIL = 1;
export const EXIT_USAGE = 2;
export const EXIT_INCONCLUSIVE = 3;
/** Interrupted (Ctrl-C / SIGTERM), as a shell reports a process ended by SIGINT: 128 + 2. */
export const EXIT_INTERRUPTED = 130;
