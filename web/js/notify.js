// The error bar under the header: one clear line from the API's JSON error body.

export function showError(message) {
  const bar = document.getElementById("error-bar");
  document.getElementById("error-text").textContent = message;
  bar.hidden = false;
}

export function clearError() {
  document.getElementById("error-bar").hidden = true;
}

export function initNotify() {
  document.getElementById("error-close").addEventListener("click", clearError);
}
