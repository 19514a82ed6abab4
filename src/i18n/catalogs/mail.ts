import type { CatalogArea } from '../index.js';

const mail: CatalogArea = {
  ja: {},
  en: {},
};

export default mail;
