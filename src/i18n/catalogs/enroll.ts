import type { CatalogArea } from '../index.js';

const enroll: CatalogArea = {
  ja: {},
  en: {},
};

export default enroll;
