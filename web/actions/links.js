// The page's link: it says what is on screen, so a reload or a copied address reproduces it.
import { MAX_LINK_DATA_BYTES, packData } from "../links.js";
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
    const values = { ...record?.settings, ...batch?.settings };
    if (source?.kind === "builtin") values.dataset = source.name;
    let fragment = "";
    if (source?.kind === "custom") {
      values.dataset = "custom";
      const { packed, size } = await packData(source.bytes);
      if (size > MAX_LINK_DATA_BYTES) return null;
      fragment = `#data=${packed}`;
    }
    return `${queryFromSettings(values)}${fragment}`;
  },

  async showInAddress() {
    const link = await this.link();
    if (link !== null) history.replaceState(null, "", `${location.pathname}${link}`);
    return link;
  },
};
