// Text data for the experiments (issue 6): token streams from Penn Treebank and WikiText-103
// files, a GPT-2 byte-pair tokenizer (vocab.json + merges.txt), a byte-level fallback, real
// English from the Debian fortunes packages, and a synthetic Markov language whose entropy rate
// (the Bayes-optimal next-token cross-entropy) is known in closed form. No LibTorch here.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace villani::experiments {

/// A tokenized corpus split three ways. Token ids lie in [0, vocab).
struct Corpus {
  std::string name;         ///< "synthetic-markov(V=16)", "ptb", "wikitext-103", "fortunes"
  std::string tokenizer;    ///< "word", "byte", "gpt2-bpe", "synthetic"
  int vocab = 0;
  std::vector<std::int32_t> train, valid, test;
  /// Entropy rate in nats/token when known (synthetic language): the Bayes-optimal CE.
  std::optional<double> entropy_rate;
};

/// Reads a whole text file; InputError(arg) when missing, empty, or not text (NUL bytes or
/// invalid UTF-8), naming the file.
/// At most max_bytes (1 GiB: WikiText-103's training split is 0.54 GB; /dev/zero or an endless
/// pipe stops there with InputError(arg)).
std::string read_text_file(const std::string& path, const std::string& arg, std::uint64_t max_bytes = std::uint64_t(1) << 30);

/// Word-level tokens of a PTB / WikiText file: whitespace-separated words, each line ending
/// with "<eos>". The vocabulary comes from the train split; unseen words map to "<unk>".
class WordVocab {
 public:
  void build(const std::vector<std::string>& words);
  std::int32_t id(const std::string& w) const;  ///< <unk> id when absent
  int size() const { return static_cast<int>(words_.size()); }
  const std::string& word(std::int32_t i) const { return words_.at(static_cast<std::size_t>(i)); }

 private:
  std::vector<std::string> words_;
  std::unordered_map<std::string, std::int32_t> ids_;
};
std::vector<std::string> split_words(const std::string& text);

/// Penn Treebank: dir holds ptb.train.txt, ptb.valid.txt, ptb.test.txt.
Corpus load_ptb(const std::string& dir);
/// WikiText-103: dir holds wiki.train.tokens, wiki.valid.tokens, wiki.test.tokens.
Corpus load_wikitext(const std::string& dir);

/// Byte-level tokens (vocab 256): always available, needs nothing.
std::vector<std::int32_t> byte_tokens(const std::string& text);

/// GPT-2 byte-level BPE from vocab.json + merges.txt (Hugging Face layout).
class Gpt2Bpe {
 public:
  Gpt2Bpe(const std::string& vocab_json, const std::string& merges_txt);
  std::vector<std::int32_t> encode(const std::string& text) const;
  std::string decode(const std::vector<std::int32_t>& ids) const;
  int vocab_size() const { return static_cast<int>(id_to_token_.size()); }

 private:
  std::vector<std::string> bpe(const std::string& word) const;
  std::unordered_map<std::string, std::int32_t> token_to_id_;
  std::vector<std::string> id_to_token_;
  std::unordered_map<std::string, int> merge_rank_;  // "a b" -> rank
  std::string byte_to_unicode_[256];
  std::unordered_map<std::string, unsigned char> unicode_to_byte_;
};

/// Synthetic first-order Markov language on V symbols: row i of the transition matrix is drawn
/// from a symmetric Dirichlet(alpha) with a fixed seed. Entropy rate H = Σ_i π_i H(P_i·) in nats
/// (π stationary); a model that sees the previous token can reach CE = H and no model can beat it.
struct MarkovLanguage {
  int vocab = 0;
  std::vector<double> transition;  ///< row-major V×V
  std::vector<double> stationary;
  double entropy_rate = 0;         ///< nats/token
  static MarkovLanguage make(int vocab, double alpha, std::uint64_t seed);
  std::vector<std::int32_t> sample(std::size_t n, std::uint64_t seed) const;
};

/// Real English text from /usr/share/games/fortunes (Debian fortunes-min/fortunes, installed by
/// scripts/setup.sh); InputError("--data") when the directory holds no fortune files.
std::string fortunes_text(const std::string& dir = "/usr/share/games/fortunes",
                          std::size_t max_bytes = 4u << 20);

/// Data specification "synthetic[:V]", "fortunes", "bytes:FILE", "ptb:DIR", "wikitext:DIR",
/// with an optional tokenizer "bpe:VOCAB_JSON,MERGES_TXT" for the text corpora.
/// Token counts: the train split holds up to `max_train` tokens (0: all), valid/test up to
/// max_train/4 each. InputError("--data") on anything malformed.
Corpus load_corpus(const std::string& spec, std::size_t max_train, std::uint64_t seed,
                   const std::string& bpe_spec = "");

}  // namespace villani::experiments
