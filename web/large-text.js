// The "Large text" switch for projectors: scales every size on the page (they
// are all in rem) and is remembered by this browser.
const KEY = 'gradlens.largeText';

export function setupLargeText(button) {
  const apply = (on) => {
    document.documentElement.classList.toggle('large-text', on);
    button.setAttribute('aria-pressed', String(on));
  };
  apply(localStorage.getItem(KEY) === '1');
  button.addEventListener('click', () => {
    const on = button.getAttribute('aria-pressed') !== 'true';
    localStorage.setItem(KEY, on ? '1' : '0');
    apply(on);
  });
}
