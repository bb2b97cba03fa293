// Forms of a customer's name and a contact's phone and email that duplicate checks compare (issue 21), as
// SQL over a column or a value. The schema indexes exactly these expressions and the checks ask exactly
// them, so a check is an index lookup however many customers there are, not a scan that folds every name.
import { type SQL, sql } from 'drizzle-orm';

/**
 * The name with what does not tell companies apart taken off: punctuation, spaces and the legal form at the
 * end (有限公司, 股份有限公司, 集团, Ltd., Limited, Inc., Co., Corp., LLC, GmbH …).
 */
export const nameCore = (name: SQL): SQL =>
  sql`regexp_replace(regexp_replace(lower(normalize(${name}, NFKC)), '[[:punct:][:space:]·・，。（）()]+', '', 'g'), '(股份有限公司|有限责任公司|有限公司|集团公司|集团|公司|limited|ltd|incorporated|inc|company|co|corporation|corp|llc|gmbh|plc)+$', '')`;

/** A phone's digits only. */
export const phoneDigits = (phone: SQL): SQL =>
  sql`regexp_replace(coalesce(${phone}, ''), '[^0-9]', '', 'g')`;

/** An email as compared: lower case. */
export const emailFolded = (email: SQL): SQL => sql`lower(${email})`;
