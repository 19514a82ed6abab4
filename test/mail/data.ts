/** Template data filling every field any mail template uses. */
export const MAIL_DATA = {
  userId: 'p-01-usr012',
  certificateName: 'p-01-usr012 #1',
  downloadUrl: 'https://login.example.jp/download/abc',
  guideUrl: 'https://login.example.jp/guide',
  enrollmentUrl: 'https://login.example.jp/enroll/xyz',
  oneTimePassword: 'K7fQm3Xa9p',
  reissueUrl: 'https://login.example.jp/reissue/def',
  terminalNumber: 2,
  terminalEmail: 'second@example.jp',
  expiresAt: new Date('2026-12-01T03:00:00Z'),
  addedAt: new Date('2026-11-24T03:00:00Z'),
};
