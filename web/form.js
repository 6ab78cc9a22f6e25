// The settings' form controls: read and checked, or filled in. Each control is found by its
// data-testid (settings.js FIELDS), which is also its id.
import { FIELDS, readSettings } from "./settings.js";

export const field = (name) => document.getElementById(FIELDS[name]);

// {values, problems} for the named settings; a bad control is marked aria-invalid.
export function readForm(names) {
  const raw = Object.fromEntries(names.map((name) => [name, field(name).value]));
  const { values, problems, invalid } = readSettings(raw, names);
  for (const name of names) field(name).setAttribute("aria-invalid", invalid.includes(name) ? "true" : "false");
  return { values, problems };
}

// Each filled control gets a "filled" event (not "change": that one acts, e.g. loads a dataset),
// for the controls that follow another's value: the top-k and top-p inputs follow the sampling mode.
export function fillForm(values) {
  for (const [name, value] of Object.entries(values)) {
    field(name).value = value ?? "";
    field(name).dispatchEvent(new Event("filled"));
  }
}
