// Messages that need the reader's attention (a model that cannot be loaded, a
// crashed engine), in an alert region, each with a dismiss button.

export function showAlert(region, message) {
  const item = document.createElement('div');
  item.className = 'alert';
  const text = document.createElement('p');
  text.textContent = message;
  const dismiss = document.createElement('button');
  dismiss.type = 'button';
  dismiss.className = 'quiet';
  dismiss.textContent = 'Dismiss';
  dismiss.addEventListener('click', () => item.remove());
  item.append(text, dismiss);
  region.append(item);
}
