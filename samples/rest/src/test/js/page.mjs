// Drives the REST sample's page in headless Chromium (Debian's /usr/bin/chromium, through playwright-core):
// upload a video with the page's form, wait for 100 %, step to frame FRAME (type FRAME - 1, Show, then Next),
// and save the frame image as the page shows it to OUT/frame.png. PageIT checks the pixels.
// Usage: node page.mjs BASE_URL VIDEO FRAME OUT_DIR [CHROMIUM]
import { chromium } from 'playwright-core';

const [base, video, frameText, outDir, exe = '/usr/bin/chromium'] = process.argv.slice(2);
const frame = parseInt(frameText, 10);
const browser = await chromium.launch({
  executablePath: exe,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const log = [];
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('console', m => log.push('console: ' + m.text()));
  await page.goto(base + '/', { waitUntil: 'load' });
  await page.setInputFiles('#file', video);
  await page.click('#upload');
  // The progress bar reaches 100 % when the job is complete; an error shows in #error.
  await page.waitForFunction(() => document.getElementById('pct').textContent === '100 %'
      || document.getElementById('error').textContent !== '', null, { timeout: 600_000, polling: 250 });
  const error = await page.textContent('#error');
  if (error) throw new Error('the page shows an error: ' + error);
  const bar = await page.getAttribute('#bar', 'value');
  await page.waitForSelector('#viewer', { state: 'visible' });
  await page.fill('#frame', String(frame - 1));
  await page.click('#go');
  await page.click('#next');
  const src = '/frames/' + frame + '.jpg';
  await page.waitForFunction(s => {
    const img = document.getElementById('img');
    return img.src.endsWith(s) && img.complete && img.naturalWidth > 0;
  }, src, { timeout: 120_000, polling: 100 });
  const shown = await page.inputValue('#frame');
  const img = await page.$('#img');
  await img.screenshot({ path: outDir + '/frame.png' });
  await page.screenshot({ path: outDir + '/page.png', fullPage: true });
  // The metrics table lists Framewise's meters once a job has run.
  await page.waitForFunction(() => document.getElementById('meters').textContent.includes('framewise.frames.processed'),
      null, { timeout: 30_000, polling: 250 });
  const meters = await page.textContent('#meters');
  const size = await img.evaluate(i => [i.naturalWidth, i.naturalHeight, i.getBoundingClientRect().width]);
  console.log(JSON.stringify({ ok: true, bar, shown, src: await img.getAttribute('src'), size, meters }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e && e.stack || e), log }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
