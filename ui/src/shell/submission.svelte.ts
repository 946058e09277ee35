// The state every form here shares. A field's error shows once, under the field: from the submit
// that found it on, following the typing (it goes as soon as the field is fixed). A field that
// was fine at the last submit (or appeared since, such as one a method switch adds) stays quiet
// until the next submit, so nothing turns red before the user typed. A refused submit focuses the
// first invalid field and scrolls it into view. When Rust refuses a save naming a field (the
// validator of record), that message shows under the field until the form is edited. Only
// errors no field owns (network, registry) show at form level, until the next submit.
import { tick } from "svelte";
import type { CommandError } from "../lib/api";

export class Submission<F extends string> {
  /** The fields in error at the last submit. */
  flagged = $state<F[]>([]);
  saving = $state(false);
  /** The last attempt's error that no field shows. */
  error = $state<CommandError | null>(null);
  /** The field the last refused save was about, with Rust's words (and the transport's, when
   *  the error carries them), until it is edited. */
  refused = $state<{ field: F; message: string; detail?: string } | null>(null);

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
    const own = this.flagged.includes(field) ? this.errors()[field] : undefined;
    return own ?? (this.refused?.field === field ? this.refused.message : undefined);
  };

  /** The form was edited: a refusal from Rust no longer describes it. */
  edited = (): void => {
    this.refused = null;
  };

  /** The form was saved and starts over: nothing is flagged. */
  reset = (): void => {
    this.flagged = [];
    this.refused = null;
    this.error = null;
  };

  /**
   * Handles a form's submit event: with field errors, flags them and focuses the first; else
   * runs `save` (marked saving) and keeps its error, under its field when Rust named one.
   */
  submit = async (event: SubmitEvent, save: () => Promise<void>): Promise<boolean> => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement | null;
    this.error = null;
    this.refused = null;
    const current = this.errors();
    this.flagged = (Object.keys(current) as F[]).filter((f) => !!current[f]);
    if (this.flagged.length) {
      await focusFirstInvalid(form);
      return false;
    }
    this.saving = true;
    try {
      await save();
      return true;
    } catch (e) {
      const error = e as CommandError;
      const field = this.fieldOf(error);
      if (field) {
        this.refused = { field, message: error.message, detail: error.detail ?? undefined };
        await focusFirstInvalid(form);
      } else {
        this.error = error;
      }
      return false;
    } finally {
      this.saving = false;
    }
  };
}

/** Once the DOM shows the errors, focuses the form's first invalid control and brings it into
 *  view (a long form's first error may be far above its submit button). */
async function focusFirstInvalid(form: HTMLFormElement | null): Promise<void> {
  await tick();
  const first = form?.querySelector?.<HTMLElement>('[aria-invalid="true"]');
  if (!first) return;
  first.focus({ preventScroll: true });
  first.scrollIntoView({ block: "center" });
}

/** Maps the field a refusal from Rust names (its name in the command's arguments) to the
 *  form's field, for `Submission`'s `fieldOf`. */
export function fieldsOf<F extends string>(
  map: Record<string, F>,
): (e: CommandError) => F | null {
  return (e) => (e.kind === "invalid" && e.field && e.field in map ? map[e.field] : null);
}
