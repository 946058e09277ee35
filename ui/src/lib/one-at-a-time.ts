// Work whose answer only matters for the latest state (the Inbox's count of matching
// deliveries): asked again while it runs, it runs once more afterwards, with what is current
// then, instead of piling up runs for states already gone.

/** Returns a function that starts `task` unless it is running; asked meanwhile (any number
 *  of times), it starts `task` once more when the run ends. `task` handles its own errors. */
export function oneAtATime(task: () => Promise<unknown>): () => void {
  let running = false;
  let again = false;
  const run = () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    const done = () => {
      running = false;
      if (again) {
        again = false;
        run();
      }
    };
    task().then(done, done);
  };
  return run;
}
