import type { CatalogArea } from '../index.js';

const password: CatalogArea = {
  ja: {},
  en: {},
};

export default password;
