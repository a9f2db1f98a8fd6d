/*
 * A search box over a long list of checkboxes (contactkit's SearchableCheckboxSelectMultiple).
 * Loaded as a file, no inline script, so it runs under a strict Content-Security-Policy.
 * Without JavaScript the list is a plain list of checkboxes and the search box stays hidden.
 * Ticked choices always stay visible; accents and case are ignored ("espanol" finds "Español").
 */
(() => {
  'use strict';

  const normalise = (text) =>
    text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().trim();

  const filter = (root, search) => {
    const query = normalise(search.value);
    let shown = 0;
    root.querySelectorAll('input[type="checkbox"]').forEach((checkbox) => {
      const label = checkbox.closest('label');
      const row = (label && label.parentElement) || checkbox.parentElement;
      const text = normalise((label || row).textContent + ' ' + checkbox.value);
      const visible = !query || checkbox.checked || text.includes(query);
      row.hidden = !visible;
      if (visible) shown += 1;
    });
    // A group heading ("Most used") is hidden when none of its choices is shown.
    root.querySelectorAll('.ck-choice-filter__list > div > div').forEach((group) => {
      const rows = group.querySelectorAll(':scope > div');
      if (rows.length) {
        group.hidden = Array.from(rows).every((row) => row.hidden);
      }
    });
    root.querySelector('.ck-choice-filter__none').hidden = shown > 0;
  };

  const setUp = (root) => {
    if (root.dataset.ckChoiceFilterReady) return;
    root.dataset.ckChoiceFilterReady = 'true';
    const search = root.querySelector('.ck-choice-filter__search');
    if (!search) return;
    search.hidden = false;
    search.addEventListener('input', () => filter(root, search));
    // Enter in the search box must not submit the whole form.
    search.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') event.preventDefault();
    });
  };

  const setUpAll = () => document.querySelectorAll('[data-ck-choice-filter]').forEach(setUp);

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', setUpAll);
  } else {
    setUpAll();
  }
})();
