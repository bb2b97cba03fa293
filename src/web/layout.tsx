// The frame of every page: header with the sections, the person, sign out; one stylesheet, no framework.
import type { Child } from 'hono/jsx';
import type { Actor } from '../core/actor.ts';
import { ROLE_NAMES } from '../core/actor.ts';
import { type Locale, pick, toLocale } from '../i18n/locale.ts';
import { OVERSIGHT_NAV, type OversightSection, oversightFor } from './oversight.ts';
import { inNav, NAV, type Section, say } from './text.ts';

type Props = {
  title: string;
  /** The language when nobody is signed in (else the actor's). */
  locale?: Locale;
  actor?: Actor;
  csrf?: string;
  section?: Section | OversightSection;
  scripts?: string[];
  children?: Child;
};

export function Page(p: Props) {
  const l = p.actor?.locale ?? p.locale ?? 'zh';
  return (
    <html lang={pick(l, { en: 'en', zh: 'zh-CN' })}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${p.title} · SalesRelay`}</title>
        <link rel="stylesheet" href="/app/assets/app.css" />
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/app">
            SalesRelay
          </a>
          {p.actor && (
            <nav>
              {(Object.keys(NAV) as Section[])
                .filter((s) => inNav(s, p.actor!))
                .map((s) => (
                  <a href={s === 'dashboard' ? '/app' : `/app/${s}`} class={s === p.section ? 'on' : ''}>
                    {NAV[s][l]}
                  </a>
                ))}
              {oversightFor(p.actor).map((s) => (
                <a href={`/app/${s}`} class={s === p.section ? 'on' : ''}>
                  {OVERSIGHT_NAV[s][l]}
                </a>
              ))}
            </nav>
          )}
          {p.actor && (
            <div class="who">
              <span>
                {p.actor.name}
                {p.actor.role && <small>{ROLE_NAMES[p.actor.role][l]}</small>}
              </span>
              <form method="post" action="/app/sign-out">
                <input type="hidden" name="_csrf" value={p.csrf ?? ''} />
                <button type="submit" class="link">
                  {say(l, 'Sign out', '退出')}
                </button>
              </form>
            </div>
          )}
        </header>
        <main>{p.children}</main>
        {(p.scripts ?? []).map((src) => (
          <script src={src} defer />
        ))}
      </body>
    </html>
  );
}

/** A page that only says something (a refused link, a refused request). */
export function Notice(p: {
  title: string;
  text: string;
  actor?: Actor;
  csrf?: string;
  link?: string;
  locale?: Locale;
}) {
  return (
    <Page
      title={p.title}
      {...(p.locale ? { locale: p.locale } : {})}
      {...(p.actor ? { actor: p.actor } : {})}
      {...(p.csrf ? { csrf: p.csrf } : {})}
    >
      <section class="notice card">
        <h1>{p.title}</h1>
        <p>{p.text}</p>
        {p.link && (
          <p>
            <a href={p.link}>{pick(toLocale(p.actor?.locale), { en: 'Back', zh: '返回' })}</a>
          </p>
        )}
      </section>
    </Page>
  );
}
