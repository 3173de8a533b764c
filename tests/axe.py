"""axe-core on every page a browser test opens: each violation fails the test, with its rule and place."""

from pathlib import Path

AXE_SCRIPT = Path(__file__).resolve().parent / "browser" / "vendor" / "axe-4.14.1.min.js"

# Runs in every document of the tab before its own scripts (an init script, so the page's CSP does
# not apply to it and the app serves no test tool). Each page is checked once it has loaded, and the
# result goes back to the test through the binding as soon as axe is done, whatever the test does
# meanwhile. A page the test leaves before that (a second or less) goes unchecked: the walk in
# tests/browser/test_every_page_fits.py waits for each page's result.
CHECK_EACH_PAGE = """
(() => {
  if (window.top !== window || !window.axe || !location.protocol.startsWith('http')) return;
  const summary = (violations) => violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((node) => ({target: node.target.join(' '), summary: node.failureSummary})),
  }));
  let running = Promise.resolve();
  // One run at a time: axe refuses a second run while one is going.
  window.__axeCheck = () => {
    running = running.catch(() => {}).then(() => axe.run(document, {resultTypes: ['violations']}))
      .then((results) => window.__axeReport(location.href, summary(results.violations)));
    return running;
  };
  window.__axeChecked = () => running;
  addEventListener('load', () => window.__axeCheck());
})();
"""


class AxeViolations(AssertionError):
    pass


def describe(url: str, violations: list[dict]) -> str:
    lines = [f"axe found {len(violations)} violation(s) on {url}:"]
    for violation in violations:
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {node['target']}")
            lines.extend(f"      {line}" for line in (node["summary"] or "").splitlines())
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


class AxeWatch:
    """axe-core results of every page a browser context loads, kept until the test asks for them."""

    def __init__(self, context):
        self.checked: list[str] = []
        self.found: list[tuple[str, list[dict]]] = []
        context.expose_binding("__axeReport", lambda source, url, violations: self._report(url, violations))
        context.add_init_script(path=str(AXE_SCRIPT))
        context.add_init_script(script=CHECK_EACH_PAGE)

    def _report(self, url: str, violations: list[dict]) -> None:
        self.checked.append(url)
        if violations:
            self.found.append((url, violations))

    def check(self, page, *, again: bool = True) -> None:
        """Fail on any violation seen, after checking the page as it is now (`again`) or as it loaded."""
        if page.evaluate("typeof window.__axeCheck") == "function":
            page.evaluate("window.__axeCheck()" if again else "window.__axeChecked()")
        self.assert_clean()

    def assert_clean(self) -> None:
        found, self.found = self.found, []
        if found:
            raise AxeViolations("\n".join(describe(url, violations) for url, violations in found))
