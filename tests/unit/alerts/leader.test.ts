/**
 * LeaderElection with a hand-driven clock: each row is a script of (time, instance heard) and the
 * expected leader at a given time, as seen by one instance.
 */
import { describe, expect, it } from 'vitest';
import { LeaderElection } from '../../../alerts/leader.ts';

const TTL = 3_500;

interface Row {
  readonly name: string;
  readonly self: string;
  /** [ms, instance] heard in this order; the clock is set to ms before each. */
  readonly heard: readonly (readonly [number, string])[];
  readonly at: number;
  readonly leader: string;
}

function electAt(row: Pick<Row, 'self' | 'heard' | 'at'>): LeaderElection {
  let clock = 0;
  const election = new LeaderElection(row.self, TTL, () => clock);
  for (const [ms, instance] of row.heard) {
    clock = ms;
    election.heard(instance);
  }
  clock = row.at;
  return election;
}

describe('LeaderElection: who leads', () => {
  it.each<Row>([
    { name: 'alone, it leads without having heard anyone', self: 'b', heard: [], at: 0, leader: 'b' },
    { name: 'hearing only itself changes nothing', self: 'b', heard: [[0, 'b']], at: 10_000, leader: 'b' },
    {
      name: 'the smallest live id leads',
      self: 'c',
      heard: [
        [0, 'b'],
        [0, 'a'],
        [0, 'd'],
      ],
      at: 1_000,
      leader: 'a',
    },
    {
      name: 'it leads when it has the smallest id',
      self: 'a',
      heard: [
        [0, 'b'],
        [0, 'c'],
      ],
      at: 1_000,
      leader: 'a',
    },
    {
      name: 'ids compare as strings: ingest-10 sorts before ingest-2',
      self: 'ingest-2',
      heard: [[0, 'ingest-10']],
      at: 0,
      leader: 'ingest-10',
    },
    { name: 'upper case sorts before lower case', self: 'a', heard: [[0, 'B']], at: 0, leader: 'B' },
    {
      name: 'a tie with its own id (a duplicate INSTANCE_ID, a config error) goes to itself, so both lead',
      self: 'a',
      heard: [[0, 'a']],
      at: 0,
      leader: 'a',
    },
  ])('$name', (row) => {
    const election = electAt(row);
    expect(election.leader()).toBe(row.leader);
    expect(election.isLeader()).toBe(row.leader === row.self);
  });
});

describe('LeaderElection: expiry and clock edges', () => {
  it.each<Row>([
    { name: 'a leader heard exactly ttl ago is still alive', self: 'b', heard: [[0, 'a']], at: TTL, leader: 'a' },
    { name: 'a leader silent for more than ttl has expired', self: 'b', heard: [[0, 'a']], at: TTL + 1, leader: 'b' },
    {
      name: 'the next smallest live id takes over',
      self: 'c',
      heard: [
        [0, 'a'],
        [3_000, 'b'],
      ],
      at: 4_000,
      leader: 'b',
    },
    {
      name: 'hearing a leader again keeps it alive',
      self: 'b',
      heard: [
        [0, 'a'],
        [3_000, 'a'],
      ],
      at: 6_000,
      leader: 'a',
    },
    {
      name: 'a forward clock jump past ttl expires everyone else',
      self: 'c',
      heard: [
        [0, 'a'],
        [0, 'b'],
      ],
      at: 3_600_000,
      leader: 'c',
    },
    // Heard "in the future" (the clock stepped back): alive until ttl after that future time.
    { name: 'a backward clock step keeps the leader alive longer, not shorter', self: 'b', heard: [[10_000, 'a']], at: 5_000, leader: 'a' },
    {
      name: '…and it still expires once the clock passes its time plus ttl',
      self: 'b',
      heard: [[10_000, 'a']],
      at: 10_000 + TTL + 1,
      leader: 'b',
    },
  ])('$name', (row) => {
    expect(electAt(row).leader()).toBe(row.leader);
  });

  it('an expired instance that reports again leads again', () => {
    let clock = 0;
    const election = new LeaderElection('b', TTL, () => clock);
    election.heard('a');
    clock = TTL + 1;
    expect(election.leader()).toBe('b');
    election.heard('a');
    expect(election.leader()).toBe('a');
  });

  it('a silent leader hands over within ttl to every follower at once', () => {
    let clock = 0;
    const now = () => clock;
    const instances = ['a', 'b', 'c'].map((id) => new LeaderElection(id, TTL, now));
    const beat = (...alive: string[]) => {
      for (const e of instances) for (const id of alive) e.heard(id);
    };
    beat('a', 'b', 'c');
    expect(instances.map((e) => e.isLeader())).toEqual([true, false, false]);
    // a stops reporting; b and c go on once a second.
    for (clock = 1_000; clock <= TTL + 1_000; clock += 1_000) beat('b', 'c');
    expect(instances.slice(1).map((e) => e.isLeader())).toEqual([true, false]);
    // Exactly one leader among those still running.
    expect(instances.slice(1).filter((e) => e.isLeader())).toHaveLength(1);
  });

  it('uses the default ttl of 3.5 s', () => {
    let clock = 0;
    const election = new LeaderElection('b', undefined, () => clock);
    election.heard('a');
    clock = 3_500;
    expect(election.leader()).toBe('a');
    clock = 3_501;
    expect(election.leader()).toBe('b');
  });
});

describe('LeaderElection: others', () => {
  it('counts the other live instances, not itself, and forgets the silent', () => {
    let clock = 0;
    const election = new LeaderElection('ingest-b', TTL, () => clock);
    election.heard('ingest-b');
    expect(election.others()).toBe(0);
    election.heard('ingest-a');
    election.heard('ingest-c');
    expect(election.others()).toBe(2);
    clock = 2_000;
    election.heard('ingest-c');
    clock = TTL + 1;
    expect(election.others()).toBe(1);
  });
});
