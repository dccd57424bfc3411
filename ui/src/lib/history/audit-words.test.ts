import { describe, expect, it } from 'vitest';
import { auditSentence } from './audit-words';

describe('auditSentence', () => {
  it('reads each event as a sentence', () => {
    expect(auditSentence({ actor: 'maria', action: 'edit', subject: 'entries/home-hero.json', detail: '{}' })).toBe('maria edited entries/home-hero.json');
    expect(auditSentence({ actor: 'rita', action: 'rollback', subject: '2', detail: '{"to":"imported"}' })).toBe(
      'rita rolled back to the workspace as imported (release 2)',
    );
    expect(auditSentence({ actor: 'rita', action: 'rollback', subject: '3', detail: '{"to":1}' })).toBe('rita rolled back to release 1 (release 3)');
  });
  it('reads deploys and delivery targets in words', () => {
    expect(auditSentence({ actor: 'rita', action: 'deployed', subject: 'https://edge.example.com', detail: '{"release":"ab"}' })).toBe(
      'rita deployed the published release to https://edge.example.com',
    );
    expect(auditSentence({ actor: 'rita', action: 'deploy_failed', subject: 'http://127.0.0.1:9', detail: '{"reason":"nothing answered there"}' })).toBe(
      'Deploying to http://127.0.0.1:9 did not reach it (nothing answered there)',
    );
  });
  it('still says something for an event it does not know, and for a detail that is not JSON', () => {
    expect(auditSentence({ actor: 'alex', action: 'new_thing', subject: 'x', detail: 'not json' })).toBe('alex: new thing x');
  });
});
