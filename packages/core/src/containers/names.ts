// Container names as Docker makes and checks them: `adjective_surname` from moby's name
// generator lists when none is given (a digit appended on a retry after a clash), and the
// `[a-zA-Z0-9][a-zA-Z0-9_.-]+` rule for names given with --name.
import { randomInt } from 'node:crypto';
import { BerthError } from '../errors.js';

const LEFT = [
  'admiring', 'adoring', 'affectionate', 'agitated', 'amazing', 'angry', 'awesome', 'blissful', 'boring', 'brave',
  'clever', 'cocky', 'compassionate', 'competent', 'condescending', 'confident', 'cranky', 'dazzling', 'determined',
  'distracted', 'dreamy', 'eager', 'ecstatic', 'elastic', 'elated', 'elegant', 'eloquent', 'epic', 'fervent', 'festive',
  'flamboyant', 'focused', 'friendly', 'frosty', 'gallant', 'gifted', 'goofy', 'gracious', 'happy', 'hardcore',
  'heuristic', 'hopeful', 'hungry', 'infallible', 'inspiring', 'jolly', 'jovial', 'keen', 'kind', 'laughing', 'loving',
  'lucid', 'mystifying', 'modest', 'musing', 'naughty', 'nervous', 'nifty', 'nostalgic', 'objective', 'optimistic',
  'peaceful', 'pedantic', 'pensive', 'practical', 'priceless', 'quirky', 'quizzical', 'relaxed', 'reverent', 'romantic',
  'sad', 'serene', 'sharp', 'silly', 'sleepy', 'stoic', 'stupefied', 'suspicious', 'tender', 'thirsty', 'trusting',
  'unruffled', 'upbeat', 'vibrant', 'vigilant', 'vigorous', 'wizardly', 'wonderful', 'xenodochial', 'youthful',
  'zealous', 'zen',
];

const RIGHT = [
  'albattani', 'allen', 'almeida', 'agnesi', 'archimedes', 'ardinghelli', 'aryabhata', 'austin', 'babbage', 'banach',
  'bardeen', 'brattain', 'shockley', 'bartik', 'bell', 'bhabha', 'bhaskara', 'blackwell', 'bohr', 'bose', 'brahmagupta',
  'brown', 'carson', 'chandrasekhar', 'colden', 'cori', 'cray', 'curie', 'darwin', 'davinci', 'einstein', 'elion',
  'engelbart', 'euclid', 'fermat', 'fermi', 'feynman', 'franklin', 'galileo', 'goldstine', 'goodall', 'hawking',
  'heisenberg', 'hodgkin', 'hoover', 'hopper', 'hypatia', 'jang', 'jones', 'kilby', 'noyce', 'kalam', 'khorana', 'kirch',
  'kowalevski', 'lalande', 'leakey', 'lovelace', 'lumiere', 'mahavira', 'mayer', 'mccarthy', 'mcclintock', 'mclean',
  'meitner', 'mestorf', 'morse', 'newton', 'nobel', 'panini', 'payne', 'pare', 'pasteur', 'perlman', 'pike', 'poincare',
  'poitras', 'ptolemy', 'raman', 'ramanujan', 'ritchie', 'thompson', 'rosalind', 'saha', 'sammet', 'sinoussi',
  'stallman', 'swartz', 'tesla', 'torvalds', 'turing', 'varahamihira', 'visvesvaraya', 'wilson', 'wozniak', 'wright',
  'yalow', 'yonath',
];

/** namesgenerator.GetRandomName: `retry` > 0 appends a digit 0-9, as the daemon does after a clash. */
export function randomContainerName(retry = 0): string {
  for (;;) {
    const name = `${LEFT[randomInt(LEFT.length)]}_${RIGHT[randomInt(RIGHT.length)]}`;
    // Steve Wozniak is not boring (moby's rule).
    if (name === 'boring_wozniak') continue;
    return retry > 0 ? `${name}${randomInt(10)}` : name;
  }
}

const VALID_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Docker's stored form (`/web`) of a name given with --name, refused as the daemon refuses it. */
export function checkContainerName(name: string): string {
  if (!VALID_NAME.test(name)) {
    throw new BerthError('ERR_INVALID_ARGUMENT', `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return name.startsWith('/') ? name : `/${name}`;
}
