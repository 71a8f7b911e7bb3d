// natural ships no type declarations; the classifier uses only the Porter stemmer, imported by deep path so
// that loading it does not pull the rest of the library.
declare module 'natural/lib/natural/stemmers/porter_stemmer.js' {
  const PorterStemmer: { stem(token: string): string };
  export default PorterStemmer;
}
