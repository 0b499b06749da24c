// Filling a <select> with a model's classes.

/** Options "0: label", value = class id; `first` adds a leading option {value, text}. */
export function fillClassSelect(select, labels, { first, selected } = {}) {
  const options = labels.map((label, index) => new Option(`${index}: ${label}`, String(index)));
  if (first) options.unshift(new Option(first.text, first.value));
  select.replaceChildren(...options);
  if (selected !== undefined) select.value = String(selected);
}
