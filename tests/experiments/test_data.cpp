// Data readers and tokenizers (issue 6): PTB / WikiText formats, BPE, byte fallback, the
// synthetic Markov language's entropy rate, and clear errors on empty or corrupt files.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "experiments/data.hpp"
#include "numerics/errors.hpp"

using namespace villani;
using namespace villani::experiments;
namespace fs = std::filesystem;

namespace {
std::string tmpdir(const std::string& name) {
  const std::string d = std::string(VILLANI_TEST_TMP) + "/experiments_data_" + name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}
void write(const std::string& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }
// A fresh directory holding a corpus's three splits, <stem>.train<ext>, .valid<ext>, .test<ext>.
std::string corpus_dir(const std::string& name, const std::string& stem, const std::string& ext,
                       const std::string& train, const std::string& valid, const std::string& test) {
  const auto d = tmpdir(name);
  write(d + "/" + stem + ".train" + ext, train);
  write(d + "/" + stem + ".valid" + ext, valid);
  write(d + "/" + stem + ".test" + ext, test);
  return d;
}
}  // namespace

TEST_CASE("PTB files are read back word by word with <eos> and <unk>", "[data]") {
  const Corpus c = load_ptb(
      corpus_dir("ptb", "ptb", ".txt", " the cat sat \n the dog sat on the mat \n", " the cat \n", " a bird sat \n"));
  // Train: 3 + 1 + 6 + 1 = 11 tokens; vocabulary: the, cat, sat, dog, on, mat, <eos>, <unk>.
  REQUIRE(c.train.size() == 11);
  CHECK(c.vocab == 8);
  CHECK(c.valid.size() == 3);
  REQUIRE(c.test.size() == 4);
  // "the" is the most frequent word (3×) and gets id 0; "a" and "bird" are unseen -> <unk>.
  CHECK(c.train[0] == 0);
  CHECK(c.train[4] == 0);
  CHECK(c.test[0] == c.test[1]);
  CHECK(c.test[0] != c.train[2]);
  CHECK(c.train[3] == c.train[10]);  // both <eos>
  CHECK(c.test[3] == c.train[3]);
}

TEST_CASE("WikiText files are read back and headers count as words", "[data]") {
  const Corpus c = load_wikitext(corpus_dir("wiki", "wiki", ".tokens",
                                            " = Valkyria = \n\n Senjō no Valkyria 3 : <unk> Chronicles \n",
                                            " = Valkyria = \n", " Chronicles 3 \n"));
  CHECK(c.name == "wikitext-103");
  CHECK(c.train.size() == 3 + 1 + 7 + 1);  // blank line gives no <eos>
  CHECK(c.valid.size() == 4);
  CHECK(c.valid[1] == c.train[1]);  // "Valkyria"
  CHECK(c.test.size() == 3);
}

TEST_CASE("empty, missing and corrupt corpus files give clear InputErrors", "[data]") {
  const auto d = corpus_dir("bad", "ptb", ".txt", "  \n\n", "x\n", "x\n");
  CHECK_THROWS_WITH(load_ptb(d), Catch::Contains("empty") && Catch::Contains("ptb.train.txt"));
  write(d + "/ptb.train.txt", std::string("abc\0def\n", 8));
  CHECK_THROWS_WITH(load_ptb(d), Catch::Contains("NUL byte"));
  write(d + "/ptb.train.txt", "abc \xff\xfe\n");
  CHECK_THROWS_WITH(load_ptb(d), Catch::Contains("UTF-8"));
  fs::remove(d + "/ptb.test.txt");
  write(d + "/ptb.train.txt", "ok\n");
  CHECK_THROWS_AS(load_ptb(d), InputError);
  CHECK_THROWS_AS(load_wikitext(d + "/nonexistent"), InputError);
  CHECK_THROWS_AS(load_corpus("nonsense:1", 100, 1), InputError);
  CHECK_THROWS_AS(load_corpus("synthetic:x", 100, 1), InputError);
}

TEST_CASE("synthetic Markov language: entropy rate matches the empirical conditional entropy", "[data]") {
  const auto lang = MarkovLanguage::make(8, 0.5, 42);
  CHECK(lang.entropy_rate > 0);
  CHECK(lang.entropy_rate < std::log(8.0));
  // Stationarity: π P = π.
  for (int j = 0; j < 8; ++j) {
    double s = 0;
    for (int i = 0; i < 8; ++i) s += lang.stationary[i] * lang.transition[i * 8 + j];
    CHECK(s == Approx(lang.stationary[j]).margin(1e-12));
  }
  const auto x = lang.sample(400000, 7);
  std::map<std::pair<int, int>, double> pair;
  std::map<int, double> first;
  for (std::size_t k = 0; k + 1 < x.size(); ++k) {
    pair[{x[k], x[k + 1]}] += 1;
    first[x[k]] += 1;
  }
  double h = 0;
  const double n = static_cast<double>(x.size() - 1);
  for (const auto& [ab, c] : pair) h -= c / n * std::log(c / first[ab.first]);
  CHECK(h == Approx(lang.entropy_rate).margin(0.01));
}

TEST_CASE("byte fallback and fortunes text", "[data]") {
  const auto t = byte_tokens("Ab\xc3\xa9");
  REQUIRE(t.size() == 4);
  CHECK(t[0] == 65);
  CHECK(t[2] == 0xc3);
  if (fs::is_directory("/usr/share/games/fortunes")) {
    const auto c = load_corpus("fortunes", 4096, 1);
    CHECK(c.vocab == 256);
    CHECK(c.tokenizer == "byte");
    CHECK(c.train.size() == 4096);
    CHECK_FALSE(c.test.empty());
  }
  CHECK_THROWS_AS(fortunes_text("/nonexistent-dir"), InputError);
}

TEST_CASE("GPT-2 BPE applies merges in rank order and round-trips", "[data][bpe]") {
  const auto d = tmpdir("bpe");
  // Byte-level symbols: 'Ġ' (U+0120) stands for the space byte.
  write(d + "/vocab.json",
        R"({"h":0,"e":1,"l":2,"o":3,"Ġ":4,"w":5,"r":6,"d":7,"he":8,"ll":9,"hell":10,"hello":11,"Ġw":12,"or":13,"Ġwor":14,"!":15})");
  write(d + "/merges.txt", "#version: 0.2\nh e\nl l\nhe ll\nhell o\nĠ w\no r\nĠw or\n");
  Gpt2Bpe bpe(d + "/vocab.json", d + "/merges.txt");
  CHECK(bpe.vocab_size() == 16);
  const auto ids = bpe.encode("hello world!");
  // "hello" -> hello; " world" -> Ġwor + l + d; "!" -> !
  REQUIRE(ids == std::vector<std::int32_t>{11, 14, 2, 7, 15});
  CHECK(bpe.decode(ids) == "hello world!");
  write(d + "/merges_bad.txt", "h e\nthree parts here\n");
  CHECK_THROWS_WITH(Gpt2Bpe(d + "/vocab.json", d + "/merges_bad.txt"), Catch::Contains("line 2"));
  write(d + "/vocab_bad.json", "[1,2]");
  CHECK_THROWS_AS(Gpt2Bpe(d + "/vocab_bad.json", d + "/merges.txt"), InputError);
  CHECK_THROWS_WITH(bpe.encode("xyz"), Catch::Contains("missing from vocab.json"));
}
