// The page's link: it says what is on screen, so a reload or a copied address reproduces it.
import { MAX_LINK_CODE_BYTES, MAX_LINK_DATA_BYTES, packData } from "../links.js";
import { queryFromSettings } from "../settings.js";
import { runOf } from "../state.js";

export const links = {
  // The link to what is on screen: the run's training settings and dataset, and the settings
  // of the names shown. A dataset of your own goes in the fragment, compressed; one too big
  // for a link gets null (download the model instead).
  async link() {
    const { batch, dataset } = this.state;
    const record = runOf(this.state);
    const source = record?.source ?? dataset?.source;
    const values = { ...record?.settings, ...this.state.lab.settings, ...batch?.settings }; // (the lab's run: its count, seed, temperature)
    if (source?.kind === "builtin") values.dataset = source.name;
    const fragment = new URLSearchParams();
    if (source?.kind === "custom") {
      values.dataset = "custom";
      const { packed, size } = await packData(source.bytes);
      if (size > MAX_LINK_DATA_BYTES) return null;
      fragment.set("data", packed);
    }
    // The lab's edit, if there is one and it fits (else the link goes without it: download it).
    const { source: edit, original } = this.state.lab;
    if (edit !== null && original !== null && edit !== original) {
      const { packed, size } = await packData(new TextEncoder().encode(edit));
      if (size <= MAX_LINK_CODE_BYTES) fragment.set("code", packed);
    }
    const packedFragment = fragment.toString();
    return `${queryFromSettings(values)}${packedFragment ? `#${packedFragment}` : ""}`;
  },

  async showInAddress() {
    const link = await this.link();
    if (link !== null) history.replaceState(null, "", `${location.pathname}${link}`);
    return link;
  },
};
