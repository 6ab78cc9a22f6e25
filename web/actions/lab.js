// The lab: the generation loop as the learner edits it (state.lab.source), run in the worker on
// the model (py/microgpt/lab.py). The edit is text until Run, and goes to Python as an argument.
// Stop: where the page is cross-origin isolated, Python's interrupt buffer stops the edit at once
// (KeyboardInterrupt); elsewhere a run that does not give way between two chunks (an endless loop
// in the edit) ends with the worker: Python is restored from the snapshot and the model reopened,
// and the edit stays.

const STOP_GRACE_MS = 300; // a stop heard between two chunks lands well within this

export const lab = {
  // Open the lab: the original loop is Python's own text; the edit, if none is kept, starts as it.
  async labOpen() {
    await this.attempt(async () => {
      const original = this.state.lab.original ?? (await this.python.request("lab_preset", { name: "original" }));
      const { source } = this.state.lab;
      this.store.update({ lab: { ...this.state.lab, open: true, original, source: source ?? original } });
    });
  },

  labEdit(source) {
    if (source === this.state.lab.source) return;
    this.store.update({ lab: { ...this.state.lab, source, error: null } });
    clearTimeout(this.labSaveTimer);
    // The edit is kept with the model, and the address says it (a reload then finds it).
    this.labSaveTimer = setTimeout(async () => {
      if (this.state.model && this.state.phase === "ready") await this.autosave(await this.showInAddress());
    }, 1000);
  },

  async labPreset(name) {
    await this.attempt(async () => {
      this.labEdit(await this.python.request("lab_preset", { name }));
    });
  },

  // Run the edit on the model with the Generate card's count, temperature and seed; its names are
  // typed out beside the original loop's, with print()'s output and any error.
  async labRun({ samples, temperature, sample_seed }, typewriter) {
    const { source } = this.state.lab;
    typewriter.reset();
    this.store.update({ phase: "generating", status: "Running your loop…", message: "",
                        lab: { ...this.state.lab, running: true, output: "", error: null, names: [], fromLink: false,
                               stoppedBy: null,
                               settings: { samples, temperature, sample_seed } } });
    await this.attempt(async () => {
      this.labPending = true; // (Python is at it: until the reply, a Stop may need to end the worker)
      const { stopped } = await this.python.request("lab_run", { source, samples, temperature, seed: sample_seed },
        (event) => this.labEvents(event.events, typewriter)).finally(() => (this.labPending = false));
      await typewriter.done();
      const { error } = this.state.lab;
      this.labEnded(stopped || error?.message.startsWith("stopped") ? "Ready — your loop was stopped"
        : error ? "Ready — your loop failed: its output says where" : "Ready — your loop ran");
      clearTimeout(this.labSaveTimer);
      await this.autosave(await this.showInAddress()); // (the edit, kept with the model, and in the address)
    });
    if (this.state.lab.running) this.labEnded("Ready"); // (a failed request: the page says why)
  },

  labEvents(events, typewriter) {
    const lab = { ...this.state.lab };
    for (const event of events) {
      if (event.output !== undefined) lab.output += event.output;
      else if (event.error) lab.error = event.error;
      else if (event.name !== undefined) lab.names = [...lab.names, { name: event.name, original: event.original }];
    }
    this.store.update({ lab });
    typewriter.push(events.filter((event) => event.sample !== undefined));
  },

  // The run is over; the page goes back to Ready unless it has moved on (Python failed, or restarts).
  labEnded(status) {
    const back = this.state.phase === "generating" ? { phase: "ready", status } : {};
    this.store.update({ lab: { ...this.state.lab, running: false }, ...back });
  },

  // Stop the run: between two chunks if the edit lets Python get there, else by ending the
  // worker and restoring Python (the model and the edit are kept by the page).
  async labStop(typewriter, shape) {
    if (!this.state.lab.running) return;
    typewriter.flush(); // (names still being typed stop too)
    if (!this.labPending) return; // (Python was done: only the typing was left)
    const stopped = new Promise((resolve) => {
      const unsubscribe = this.store.subscribe((state) => !state.lab.running && (unsubscribe?.(), resolve(true)));
    });
    this.python.request("stop").catch(() => {});
    if (this.interrupt) Atomics.store(this.interrupt, 0, 2); // SIGINT: Python raises KeyboardInterrupt in the edit
    const heard = await Promise.race([stopped, new Promise((resolve) => setTimeout(() => resolve(false), STOP_GRACE_MS))]);
    if (heard) return this.store.update({ lab: { ...this.state.lab, stoppedBy: this.interrupt ? "interrupt" : "stop" } });
    this.store.update({ lab: { ...this.state.lab, running: false, stoppedBy: "restart",
                               error: { message: "stopped: Python was restarted, as your loop did not give way", trace: "", line: null } },
                        phase: "ready", status: "Stopping your loop: restarting Python…" });
    const started = performance.now();
    await this.restart(shape);
    if (this.state.phase === "ready") {
      this.store.update({ status: `Ready — your loop was stopped: Python restarted and the model reopened in ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s. Your edit is kept.` });
    }
  },

  // The edit as one .py file that prints the same names with plain python3.
  async labScript({ samples, temperature, sample_seed }) {
    let text = null;
    await this.attempt(async () => {
      text = await this.python.request("lab_script", { source: this.state.lab.source, samples, temperature,
                                                       seed: sample_seed ?? 1 });
    });
    return text;
  },
};
