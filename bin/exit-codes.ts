/** Process exit codes of design §4. */
export const EXIT_OK = 0;
export const EXIT_FAIL = 1;
export const EXIT_USAGE = 2;
export const EXIT_INCONCLUSIVE = 3;
