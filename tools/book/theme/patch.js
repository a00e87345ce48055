// myst-theme's own build patches @jupyter-widgets/controls (patches/@jupyter-widgets%2Fcontrols@5.0.12.patch in
// jupyter-book/myst-theme): its widgets-base.css @imports two CSS files that Remix's bundler loads as plain files,
// and the build stops. The same two lines are commented out here, after `npm ci`, before `remix build`.
const fs = require('fs');
const file = require.resolve('@jupyter-widgets/controls/css/widgets-base.css');
const css = fs.readFileSync(file, 'utf8');
const patched = css.replace(/^@import '\.\/(lumino|nouislider)\.css';$/gm, "/* @import './$1.css'; */");
if (patched !== css) fs.writeFileSync(file, patched);
