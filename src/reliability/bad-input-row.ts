// One row of the bad-input table that bad-inputs.test.ts runs: a hostile input fed to a real entry
// point and the message it must be answered with. The rows sit in one module per kind of input
// (bad-data-files.ts, bad-model-files.ts, bad-settings.ts, bad-messages.ts) so each stays readable,
// and are run as ONE table so the test's checks over the whole table (how many rejections, unique
// names, no row left marked `poor`) still see every row.
export interface Row {
  what: string;
  run: () => unknown;
  message: RegExp;
  accepts?: true; // valid input: `run` returns a description of what was read, checked by `message`
  /** A known weak message in a file this suite may not edit: what is wrong with it (listed in the report; fix it there, then drop this). */
  poor?: string;
}
