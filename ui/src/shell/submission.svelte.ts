// The state every form here shares: field errors that show from the first submit on (then
// follow the typing; showing them on blur would move the buttons under the pointer between
// mousedown and click), a "saving" flag, and the error of the last attempt.
import type { CommandError } from "../lib/api";

export class Submission<F extends string> {
  submitted = $state(false);
  saving = $state(false);
  error = $state<CommandError | null>(null);

  /** `errors` reads the form's current field errors. */
  constructor(private readonly errors: () => Partial<Record<F, string>>) {}

  /** The error to show under `field`, if any. */
  shown = (field: F): string | undefined => (this.submitted ? this.errors()[field] : undefined);

  /**
   * Handles a form's submit event: refuses with the first field error, else runs `save`
   * (marked saving) and keeps its error.
   */
  submit = async (event: SubmitEvent, save: () => Promise<void>): Promise<void> => {
    event.preventDefault();
    this.submitted = true;
    this.error = null;
    const first = Object.values(this.errors()).find((e): e is string => !!e);
    if (first) {
      this.error = { kind: "invalid", message: first };
      return;
    }
    this.saving = true;
    try {
      await save();
    } catch (e) {
      this.error = e as CommandError;
    } finally {
      this.saving = false;
    }
  };
}
