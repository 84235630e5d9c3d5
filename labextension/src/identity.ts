/**
 * The name an anonymous user chose for this browser (jupyter-server's token login gives every browser a
 * made-up identity). Kept in localStorage; every API request sends it, and the server records it as the
 * actor with the identity marked anonymous.
 */
export const NAME_HEADER = 'X-Lifecycle-Lab-Name';
const STORAGE_KEY = 'lifecycle-lab:name';

/** The name chosen in this browser, or null. */
export function chosenName(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY) || null;
  } catch {
    return null; // storage disabled
  }
}

/** Remember `name` for this browser (an empty name forgets it). */
export function setChosenName(name: string): void {
  const cleaned = name.split(/\s+/).filter(Boolean).join(' ');
  try {
    if (cleaned) {
      window.localStorage.setItem(STORAGE_KEY, cleaned);
    } else {
      window.localStorage.removeItem(STORAGE_KEY);
    }
  } catch {
    // storage disabled: the name lasts for this page only
  }
}

/** The header carrying the chosen name, for every request. */
export function nameHeaders(): Record<string, string> {
  const name = typeof window === 'undefined' ? null : chosenName();
  return name ? { [NAME_HEADER]: name } : {};
}
