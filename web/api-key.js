// The API key of a function that requires one (API_KEYS_FILE): typed once, kept in
// sessionStorage (this tab, until it closes; never in localStorage or a cookie), sent as
// `authorization: Bearer <key>` with every photo.
/* global document, sessionStorage */

const STORAGE_KEY = 'banana-api-key';

function stored() {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? '';
  } catch {
    return ''; // storage disabled: the key lives in the field only
  }
}

/** Headers for a POST: the key's Authorization header when one is set, else none. */
export function apiKeyHeaders() {
  const input = document.querySelector('#api-key');
  const key = (input?.value ?? stored()).trim();
  return key === '' ? {} : { authorization: `Bearer ${key}` };
}

/** Fills the field from the session and keeps the session's copy in step with it. */
export function setUpApiKey() {
  const input = document.querySelector('#api-key');
  if (!input) return;
  input.value = stored();
  input.addEventListener('change', () => {
    try {
      const key = input.value.trim();
      if (key === '') sessionStorage.removeItem(STORAGE_KEY);
      else sessionStorage.setItem(STORAGE_KEY, key);
    } catch {
      // storage disabled: nothing to keep
    }
  });
}
