// A browser driven by puppeteer-core for the Python tests (tools/engines.py): Firefox over
// WebDriver BiDi, which needs no geckodriver. One request at a time: each line on stdin is
// {id, method, args}; each line on stdout is its reply, {id, result} or {id, error}.
//
//   node puppeteer_bridge.mjs <browser> <executable>
import { createInterface } from "node:readline";
import puppeteer from "puppeteer-core";

const [browserName, executablePath] = process.argv.slice(2);
const browser = await puppeteer.launch({ browser: browserName, executablePath, headless: true });
const tabs = [await browser.newPage()];
let page = tabs[0];

const methods = {
  goto: async (url) => { await page.goto(url); },
  reload: async () => { await page.reload(); },
  evaluate: (expression) => page.evaluate(expression),
  click: (selector) => page.click(selector),
  fill: (selector, value) => page.locator(selector).fill(value),
  select: (selector, value) => page.select(selector, value),
  upload: async (selector, path) => (await page.$(selector)).uploadFile(path),
  openTab: async () => { page = await browser.newPage(); return tabs.push(page) - 1; },
  useTab: async (index) => { page = tabs[index]; await page.bringToFront(); return index; },
  close: () => browser.close(),
};

const say = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
say({ id: 0, result: await browser.version() }); // launched: the first reply

for await (const line of createInterface({ input: process.stdin })) {
  const { id, method, args } = JSON.parse(line);
  try {
    say({ id, result: (await methods[method](...args)) ?? null });
  } catch (error) {
    say({ id, error: String(error?.message ?? error) });
  }
  if (method === "close") break;
}
process.exit(0); // (stdin may still be open)
