"""What the browser tests measure in a loaded page, as JavaScript run by Playwright.

Each function takes a Playwright ``Page`` and returns plain data; the tests decide.
"""

# The targets WCAG 2.5.8 is about: what a pointer activates.
TARGETS = (
    "a[href], button, summary, input:not([type=hidden]), select, textarea, label[for], "
    "[role=button], [role=link], [tabindex]:not([tabindex='-1'])"
)

_DESCRIBE = """
const describe = (el) => {
  let text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim();
  text = text.replace(/\\s+/g, ' ').slice(0, 60);
  const id = el.id ? '#' + el.id : '';
  const cls = typeof el.className === 'string' && el.className.trim()
    ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
  const parent = el.parentElement ? el.parentElement.tagName.toLowerCase() + ' > ' : '';
  return `${parent}${el.tagName.toLowerCase()}${id}${cls} "${text}"`;
};
"""


def horizontal_overflow(page):
    """The page's width against the viewport's, and the elements sticking out on the right."""
    return page.evaluate(
        """() => {
          """
        + _DESCRIBE
        + """
          const width = window.innerWidth;
          const wide = [];
          for (const el of document.body.querySelectorAll('*')) {
            const rect = el.getBoundingClientRect();
            if (rect.width && rect.right > width + 0.5) wide.push(
              `${describe(el)}: right edge at ${Math.round(rect.right)}px`);
          }
          return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width,
                  outside: wide.slice(0, 10)};
        }"""
    )


def undersized_targets(page):
    """Targets that are under 24×24 CSS px and fail WCAG 2.5.8's spacing exception.

    - Spacing exception, as 2.5.8 words it: a 24 px circle centred on the undersized target's
      bounding box must not intersect another target, nor the circle of another undersized
      target. A control and its own label (a checkbox and its <label for>) are one target, and
      a target nested in another (a link inside a label) is not compared with its container.
    - Inline exception: a link inside a sentence is excepted. Taken here as an ``a`` laid out
      inline whose parent (through phrasing elements such as <strong>) is a <p> or <li> that
      has words of its own besides the link's.
    - Not targets: elements not rendered (zero size, ``visibility: hidden``, inside closed
      <details>), clipped to nothing (the visually hidden spam trap), or off the page to the
      left or top (the skip link until it is focused).
    - ``label[for]`` counts only for checkboxes and radio buttons, whose label is the larger
      part of the target.
    """
    return page.evaluate(
        """(selector) => {
          """
        + _DESCRIBE
        + """
          const SIZE = 24, RADIUS = SIZE / 2;
          const PHRASING = new Set(['STRONG', 'EM', 'B', 'I', 'SPAN', 'SMALL', 'MARK', 'ABBR',
                                    'CITE', 'Q', 'CODE', 'TIME', 'DATA', 'S', 'U', 'SUB', 'SUP']);
          const labelled = (label) => {
            const control = document.getElementById(label.htmlFor);
            return control && control.tagName === 'INPUT' &&
              (control.type === 'checkbox' || control.type === 'radio') ? control : null;
          };
          const clippedAway = (el) => {
            for (let node = el; node && node !== document.body; node = node.parentElement) {
              const style = getComputedStyle(node);
              const rect = node.getBoundingClientRect();
              const clips = style.overflow !== 'visible' || style.clip !== 'auto' ||
                style.clipPath !== 'none';
              if (clips && (rect.width <= 1 || rect.height <= 1)) return true;
            }
            return false;
          };
          const inSentence = (el) => {
            if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
            let parent = el.parentElement;
            while (parent && PHRASING.has(parent.tagName)) parent = parent.parentElement;
            if (!parent || !['P', 'LI'].includes(parent.tagName)) return false;
            const own = el.textContent.replace(/\\s+/g, ' ').trim();
            const rest = parent.textContent.replace(/\\s+/g, ' ').replace(own, '');
            return /\\p{L}{2,}/u.test(rest);
          };
          const targets = [];
          for (const el of document.querySelectorAll(selector)) {
            if (el.tagName === 'LABEL' && !labelled(el)) continue;
            if (!el.checkVisibility({checkVisibilityCSS: true, checkOpacity: true})) continue;
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.height === 0) continue;
            if (r.right <= 0 || r.bottom + window.scrollY <= 0) continue;
            if (clippedAway(el)) continue;
            const rect = {left: r.left + scrollX, top: r.top + scrollY,
                          right: r.right + scrollX, bottom: r.bottom + scrollY,
                          width: r.width, height: r.height};
            targets.push({el, rect,
              cx: (rect.left + rect.right) / 2, cy: (rect.top + rect.bottom) / 2,
              small: r.width < SIZE - 0.01 || r.height < SIZE - 0.01,
              inline: inSentence(el),
              twin: el.tagName === 'LABEL' ? labelled(el) : (el.labels && el.labels[0]) || null});
          }
          const related = (a, b) => a.el.contains(b.el) || b.el.contains(a.el) ||
            a.twin === b.el || b.twin === a.el;
          const circleHitsRect = (t, rect) => {
            const x = Math.max(rect.left, Math.min(t.cx, rect.right));
            const y = Math.max(rect.top, Math.min(t.cy, rect.bottom));
            return Math.hypot(t.cx - x, t.cy - y) < RADIUS - 0.01;
          };
          const failures = [];
          let excepted = 0;
          for (const t of targets) {
            if (!t.small) continue;
            if (t.inline) { excepted++; continue; }
            const clash = targets.find(o => o !== t && !related(t, o) &&
              (circleHitsRect(t, o.rect) ||
               (o.small && !o.inline && Math.hypot(t.cx - o.cx, t.cy - o.cy) < SIZE - 0.01)));
            if (clash) failures.push(
              `${describe(t.el)} is ${t.rect.width.toFixed(1)}×${t.rect.height.toFixed(1)} px ` +
              `and too close to ${describe(clash.el)}`);
          }
          return {count: targets.length, inlineExcepted: excepted, failures};
        }""",
        TARGETS,
    )


def _focus_state(page):
    return page.evaluate(
        """() => {
          """
        + _DESCRIBE
        + """
          const el = document.activeElement;
          if (!el || el === document.body || el === document.documentElement) return null;
          if (!window.__ckUnfocused) window.__ckUnfocused = new Map();
          const now = getComputedStyle(el);
          const before = window.__ckUnfocused.get(el);
          const pick = (s) => ({outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth,
                                outlineColor: s.outlineColor, boxShadow: s.boxShadow});
          return {key: describe(el) + '@' + [...document.querySelectorAll('*')].indexOf(el),
                  name: describe(el), focused: pick(now), unfocused: before || null};
        }"""
    )


def focus_walk(page, limit=300):
    """Tab through the page; for each element focused, its outline and box-shadow unfocused
    (computed before any Tab) and focused."""
    page.evaluate(
        """() => {
          if (document.activeElement) document.activeElement.blur();
          window.__ckUnfocused = new Map();
          for (const el of document.querySelectorAll('*')) {
            if (el.tabIndex < 0) continue;
            const s = getComputedStyle(el);
            window.__ckUnfocused.set(el, {outlineStyle: s.outlineStyle,
              outlineWidth: s.outlineWidth, outlineColor: s.outlineColor,
              boxShadow: s.boxShadow});
          }
        }"""
    )
    seen, steps = set(), []
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = _focus_state(page)
        if state is None:
            if steps:
                break
            continue
        if state["key"] in seen:
            break
        seen.add(state["key"])
        steps.append(state)
    return steps


def _transparent(colour):
    colour = colour.replace(" ", "")
    return colour == "transparent" or (colour.startswith("rgba(") and colour.endswith(",0)"))


def focus_indicator_problem(step):
    """Why a focused element shows no focus indicator, or None when it shows one.

    Visible means: a drawn outline (style not none, width ≥ 1 px, colour not transparent)
    that differs from the unfocused one, or a box-shadow that appears or changes.
    """
    focused, unfocused = step["focused"], step["unfocused"]
    if unfocused is None:
        return "was not focusable before the first Tab (no unfocused style to compare)"
    outline = (
        focused["outlineStyle"] != "none"
        and float(focused["outlineWidth"].removesuffix("px") or 0) >= 1
        and not _transparent(focused["outlineColor"])
    )
    outline_changed = any(
        focused[key] != unfocused[key] for key in ("outlineStyle", "outlineWidth", "outlineColor")
    )
    shadow = focused["boxShadow"] != "none" and focused["boxShadow"] != unfocused["boxShadow"]
    if (outline and outline_changed) or shadow:
        return None
    return (
        f"outline {focused['outlineStyle']} {focused['outlineWidth']} {focused['outlineColor']}"
        f" (unfocused: {unfocused['outlineStyle']} {unfocused['outlineWidth']}), "
        f"box-shadow {focused['boxShadow']} (unfocused: {unfocused['boxShadow']})"
    )


# Attributes whose value names other elements by id (ARIA and HTML).
IDREF_ATTRIBUTES = (
    "aria-describedby",
    "aria-labelledby",
    "aria-controls",
    "aria-owns",
    "aria-details",
    "aria-errormessage",
    "aria-activedescendant",
    "aria-flowto",
    "for",
    "headers",
    "list",
    "form",
)


def broken_idrefs(page):
    """Every id reference on the page that names no element: ``["<tag> attr=id", …]``."""
    return page.evaluate(
        """(attributes) => {
          const broken = [];
          for (const attribute of attributes) {
            for (const el of document.querySelectorAll(`[${attribute}]`)) {
              if (attribute === 'for' && !['LABEL', 'OUTPUT'].includes(el.tagName)) continue;
              if (attribute === 'form' && !el.form && !el.hasAttribute('form')) continue;
              for (const id of el.getAttribute(attribute).split(/\\s+/).filter(Boolean)) {
                if (!document.getElementById(id)) {
                  broken.push(`${el.tagName.toLowerCase()} ${attribute}=${id}`);
                }
              }
            }
          }
          const seen = {};
          for (const el of document.querySelectorAll('[id]')) {
            seen[el.id] = (seen[el.id] || 0) + 1;
          }
          for (const [id, count] of Object.entries(seen)) {
            if (count > 1) broken.push(`id ${id} used ${count} times`);
          }
          return broken;
        }""",
        list(IDREF_ATTRIBUTES),
    )
