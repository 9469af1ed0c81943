import type { Translate } from '../i18n/translate.js';
import type { Theme } from './theme.js';

/**
 * What every page needs besides its own data: the negotiated locale (for `<html lang>`), its
 * translate function and the theme. Handlers get it as `c.get('ui')` (negotiated per request from
 * `ui_locales` and `Accept-Language`) or build one for a stored locale with `c.get('http').ui(…)`.
 */
export interface Ui {
  locale: string;
  t: Translate;
  theme: Theme;
}
