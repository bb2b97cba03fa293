// The mainland-China working calendar (holidays and 调休 make-up days) from the maintained chinese-days
// package, loaded into calendar_days. Only dates that differ from Monday-Friday are stored.
import chineseDays from 'chinese-days';
import { DateTime } from 'luxon';
import type { Queryable } from '../db/client.ts';
import { calendarDays } from '../db/schema.ts';

export async function loadChinaCalendar(db: Queryable, years: number[]): Promise<number> {
  const rows: { date: string; working: boolean; name: string | null }[] = [];
  for (const year of years) {
    for (let d = DateTime.utc(year, 1, 1); d.year === year; d = d.plus({ days: 1 })) {
      const iso = d.toISODate()!;
      const working = chineseDays.isWorkday(iso);
      if (working !== d.weekday <= 5) {
        const detail = chineseDays.getDayDetail(iso) as { name?: string };
        rows.push({ date: iso, working, name: detail.name?.split(',')[1] ?? null });
      }
    }
  }
  if (rows.length === 0) return 0;
  await db.insert(calendarDays).values(rows).onConflictDoNothing();
  return rows.length;
}
