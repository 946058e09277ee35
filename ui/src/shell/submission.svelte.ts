// The state every form here shares: field errors that show from the first submit on (then
// follow the typing; showing them on blur would move the buttons under the pointer between
// mousedown and click), a "saving" flag, and the error of the last attempt. When Rust refuses a
// save naming a field (the validator of record), that message shows under the field until the
// field is edited.
import type { CommandError } from "../lib/api";

export class Submission<F extends string> {
  submitted = $state(false);
  saving = $state(false);
  error = $state<CommandError | null>(null);
  /** The field the last refused save was about, with Rust's words, until it is edited. */
  refused = $state<{ field: F; message: string } | null>(null);

  /**
   * `errors` reads the form's current field errors (instant feedback); `fieldOf` maps the field
   * a refusal from Rust names to the form's field, when the form shows one.
   */
  constructor(
    private readonly errors: () => Partial<Record<F, string>>,
    private readonly fieldOf: (e: CommandError) => F | null = () => null,
  ) {}

  /** The error to show under `field`, if any. */
  shown = (field: F): string | undefined => {
    const own = this.submitted ? this.errors()[field] : undefined;
    return own ?? (this.refused?.field === field ? this.refused.message : undefined);
  };

  /** The form was edited: a refusal from Rust no longer describes it. */
  edited = (): void => {
    this.refused = null;
  };

  /**
   * Handles a form's submit event: refuses with the first field error, else runs `save`
   * (marked saving) and keeps its error.
   */
  submit = async (event: SubmitEvent, save: () => Promise<void>): Promise<boolean> => {
    event.preventDefault();
    this.submitted = true;
    this.error = null;
    this.refused = null;
    const first = Object.values(this.errors()).find((e): e is string => !!e);
    if (first) {
      this.error = { kind: "invalid", message: first };
      return false;
    }
    this.saving = true;
    try {
      await save();
      return true;
    } catch (e) {
      this.error = e as CommandError;
      const field = this.fieldOf(this.error);
      if (field) this.refused = { field, message: this.error.message };
      return false;
    } finally {
      this.saving = false;
    }
  };
}

/** Maps the field a refusal from Rust names (its name in the command's arguments) to the
 *  form's field, for `Submission`'s `fieldOf`. */
export function fieldsOf<F extends string>(
  map: Record<string, F>,
): (e: CommandError) => F | null {
  return (e) => (e.kind === "invalid" && e.field && e.field in map ? map[e.field] : null);
}
