// Loads each package named on the command line from CommonJS (require: the `require`
// condition, dist/index.cjs) and as an ES module (import(): dist/index.js) and prints one
// JSON line per package with both export lists, for scripts/consumer-check.mjs to compare.
const main = async () => {
  for (const name of process.argv.slice(2)) {
    const cjs = Object.keys(require(name)).sort();
    const esm = Object.keys(await import(name))
      .filter((key) => key !== 'default' && key !== 'module.exports')
      .sort();
    console.log(JSON.stringify({ name, cjs, esm }));
  }
};
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
