/**
 * The SREG 1.1 profile fields a user can share, in the order SREG lists them. The bridge names them
 * `sreg_<field>` on the wire (Janrain steps 2 and 4).
 */
export const SREG_FIELDS = [
  'nickname',
  'email',
  'fullname',
  'dob',
  'gender',
  'postcode',
  'country',
  'language',
  'timezone',
] as const;

export type SregField = (typeof SREG_FIELDS)[number];

export type SregProfile = Partial<Record<SregField, string>>;

const SREG_SET: ReadonlySet<string> = new Set(SREG_FIELDS);

export function isSregField(name: string): name is SregField {
  return SREG_SET.has(name);
}

/** Human-readable labels, for login and consent pages. */
export const SREG_LABELS: Record<SregField, string> = {
  nickname: 'Nickname',
  email: 'Email address',
  fullname: 'Full name',
  dob: 'Date of birth',
  gender: 'Gender',
  postcode: 'Postal code',
  country: 'Country',
  language: 'Language',
  timezone: 'Time zone',
};
