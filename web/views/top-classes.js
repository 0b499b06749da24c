// The top-5 list: one row per class, its probability as a bar and a number.

/** A probability as a percentage, with a decimal where it helps. */
export const percent = (p) => (p < 0.0005 ? '<0.1%' : `${(100 * p).toFixed(p >= 0.995 ? 0 : 1)}%`);

/** Renders [{index, label, probability}] into an <ol>. */
export function renderTopClasses(list, top) {
  list.replaceChildren(...top.map(({ index, label, probability }, rank) => {
    const item = document.createElement('li');
    item.className = rank === 0 ? 'top-class best' : 'top-class';
    item.dataset.index = index;
    const name = document.createElement('span');
    name.className = 'top-class-label';
    name.textContent = label;
    name.title = label; // long ImageNet names are cut short on screen
    const bar = document.createElement('span');
    bar.className = 'top-class-bar';
    bar.setAttribute('aria-hidden', 'true');
    const fill = document.createElement('span');
    fill.className = 'top-class-fill';
    fill.style.width = `${Math.max(0, Math.min(1, probability)) * 100}%`;
    bar.append(fill);
    const value = document.createElement('span');
    value.className = 'top-class-value';
    value.textContent = percent(probability);
    item.append(name, bar, value);
    return item;
  }));
}
