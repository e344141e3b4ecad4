// Opens GraphiQL in Debian's headless Chromium, runs a query the way a person would, and
// takes a screenshot. Every host but loopback is unreachable, so the page must not need any.
// stdin: {"url", "query", "headers", "expect", "screenshot", "deadProxy", "chromium", "trigger"}
// (trigger, optional: {url, body} of a GraphQL POST made once the query runs, for a
// subscription to see)
// stdout: {"response": text shown, "requests": [url, ...], "failed": [url, ...], "console": [...],
//          "title": the page's, "storage": the page's localStorage as JSON}
import { chromium } from "playwright-core";
import { text } from "node:stream/consumers";

const { url, query, headers, expect, screenshot, deadProxy, chromium: executablePath, trigger } =
  JSON.parse(await text(process.stdin));

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    // No name resolves but loopback's, and anything that would go out goes to a dead proxy.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    `--proxy-server=${deadProxy}`,
    "--proxy-bypass-list=127.0.0.1",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const requests = [];
  const failed = [];
  const consoleErrors = [];
  page.on("request", (request) => requests.push(request.url()));
  page.on("requestfailed", (request) => failed.push(request.url()));
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });

  await page.goto(`${url}/graphql`, { waitUntil: "load" });
  const editor = page.locator(".graphiql-query-editor .CodeMirror");
  await editor.click();
  await page.keyboard.press("Control+A");
  // insertText, not type: CodeMirror would close the braces we type a second time.
  await page.keyboard.insertText(query);
  await page.locator('button[data-name="headers"]').click();
  await page.locator('section.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden) .CodeMirror').click();
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText(headers);
  await page.locator(".graphiql-execute-button").click();
  if (trigger) {
    // The subscription is taken in the server's own time after GraphiQL's socket opens.
    await page.waitForTimeout(1000);
    const answer = await fetch(trigger.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(trigger.body),
    });
    if (!answer.ok) throw new Error(`trigger: ${answer.status} ${await answer.text()}`);
  }

  const response = page.locator(".graphiql-response .CodeMirror-code");
  await response.getByText(expect).first().waitFor({ timeout: 15000 });
  await page.screenshot({ path: screenshot });
  process.stdout.write(
    JSON.stringify({
      response: await response.innerText(),
      requests,
      failed,
      console: consoleErrors,
      title: await page.title(),
      storage: await page.evaluate(() => JSON.stringify(localStorage)),
    }),
  );
} finally {
  await browser.close();
}
