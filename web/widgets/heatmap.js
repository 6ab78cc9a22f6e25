// A table of attention weights, each cell shaded by its weight (CSS --w, from 0 to 1): a row
// per query (or head), a column per position attended to. Built once for a shape, then filled
// in place as the weights change. Look inside and Watch it learn both draw their attention here.
export class Heatmap {
  // caption: the table's caption; columns: each position's label; rows: [{label, data}], data
  // being the row's data attributes (its testid among them); title(row, column, weight): a
  // cell's tooltip, set when the cell is first filled.
  constructor({ caption, columns, rows, title }) {
    this.title = title;
    this.table = document.createElement("table");
    this.table.className = "heatmap";
    this.table.createCaption().textContent = caption;
    const header = this.table.createTHead().insertRow();
    header.insertCell();
    for (const column of columns) header.insertCell().textContent = column;
    const body = this.table.createTBody();
    for (const { label, data } of rows) {
      const row = body.insertRow();
      Object.assign(row.dataset, data);
      row.insertCell().textContent = label;
      for (const _ of columns) row.insertCell();
    }
  }

  // weights[r]: row r's weights, from the first column on; a row's cells past them stay blank
  // (the future, masked).
  fill(weights) {
    [...this.table.tBodies[0].rows].forEach((row, r) => {
      row.dataset.weights = JSON.stringify(weights[r]);
      weights[r].forEach((weight, j) => {
        const cell = row.cells[j + 1];
        if (!cell.className) {
          cell.className = "weight";
          cell.title = this.title(r, j, weight);
        }
        cell.style.setProperty("--w", weight);
      });
    });
  }
}
