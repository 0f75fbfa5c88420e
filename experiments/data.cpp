#include "experiments/data.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "numerics/errors.hpp"
#include "numerics/io.hpp"

namespace villani::experiments {

namespace fs = std::filesystem;

namespace {
bool valid_utf8(const std::string& s, std::size_t& bad_at) {
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
    if (n < 0 || i + n >= s.size() + (n == 0 ? 1 : 0)) { bad_at = i; return false; }
    for (int k = 1; k <= n; ++k)
      if (i + k >= s.size() || (static_cast<unsigned char>(s[i + k]) >> 6) != 2) { bad_at = i; return false; }
    i += n + 1;
  }
  return true;
}

std::string utf8(unsigned cp) {
  std::string o;
  if (cp < 0x80) o += static_cast<char>(cp);
  else if (cp < 0x800) { o += static_cast<char>(0xC0 | (cp >> 6)); o += static_cast<char>(0x80 | (cp & 0x3F)); }
  else { o += static_cast<char>(0xE0 | (cp >> 12)); o += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)); o += static_cast<char>(0x80 | (cp & 0x3F)); }
  return o;
}
}  // namespace

std::string read_text_file(const std::string& path, const std::string& arg, std::uint64_t max_bytes) {
  std::string t = read_file_capped(path, max_bytes, arg);
  if (t.find_first_not_of(" \t\r\n") == std::string::npos)
    throw InputError(arg, "'" + path + "' is empty (no tokens)");
  const auto nul = t.find('\0');
  if (nul != std::string::npos)
    throw InputError(arg, "'" + path + "' is not a text file (NUL byte at offset " + std::to_string(nul) + ")");
  std::size_t bad = 0;
  if (!valid_utf8(t, bad))
    throw InputError(arg, "'" + path + "' is not valid UTF-8 text (bad byte at offset " + std::to_string(bad) + ")");
  return t;
}

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream ws(line);
    std::string w;
    bool any = false;
    while (ws >> w) { out.push_back(w); any = true; }
    if (any) out.push_back("<eos>");
  }
  return out;
}

void WordVocab::build(const std::vector<std::string>& words) {
  words_.clear();
  ids_.clear();
  std::map<std::string, std::int64_t> counts;
  for (const auto& w : words) ++counts[w];
  counts.emplace("<unk>", 0);
  std::vector<std::pair<std::string, std::int64_t>> v(counts.begin(), counts.end());
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [w, c] : v) {
    ids_[w] = static_cast<std::int32_t>(words_.size());
    words_.push_back(w);
  }
}

std::int32_t WordVocab::id(const std::string& w) const {
  auto it = ids_.find(w);
  return it != ids_.end() ? it->second : ids_.at("<unk>");
}

namespace {
Corpus load_word_corpus(const std::string& name, const std::string& dir, const std::string& tr,
                        const std::string& va, const std::string& te) {
  if (!fs::is_directory(dir)) throw InputError("--data", "'" + dir + "' is not a directory (" + name + ")");
  Corpus c;
  c.name = name;
  c.tokenizer = "word";
  const auto wtr = split_words(read_text_file(dir + "/" + tr, "--data"));
  const auto wva = split_words(read_text_file(dir + "/" + va, "--data"));
  const auto wte = split_words(read_text_file(dir + "/" + te, "--data"));
  WordVocab v;
  v.build(wtr);
  c.vocab = v.size();
  for (const auto& w : wtr) c.train.push_back(v.id(w));
  for (const auto& w : wva) c.valid.push_back(v.id(w));
  for (const auto& w : wte) c.test.push_back(v.id(w));
  return c;
}
}  // namespace

Corpus load_ptb(const std::string& dir) {
  return load_word_corpus("ptb", dir, "ptb.train.txt", "ptb.valid.txt", "ptb.test.txt");
}
Corpus load_wikitext(const std::string& dir) {
  return load_word_corpus("wikitext-103", dir, "wiki.train.tokens", "wiki.valid.tokens", "wiki.test.tokens");
}

std::vector<std::int32_t> byte_tokens(const std::string& text) {
  std::vector<std::int32_t> out(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) out[i] = static_cast<unsigned char>(text[i]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// GPT-2 BPE (Radford et al. 2019; the Hugging Face vocab.json/merges.txt files).

Gpt2Bpe::Gpt2Bpe(const std::string& vocab_json, const std::string& merges_txt) {
  // Byte -> printable code point table of GPT-2's encoder.
  unsigned next = 256;
  for (unsigned b = 0; b < 256; ++b) {
    const bool keep = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    const unsigned cp = keep ? b : next++;
    byte_to_unicode_[b] = utf8(cp);
    unicode_to_byte_[byte_to_unicode_[b]] = static_cast<unsigned char>(b);
  }
  nlohmann::json vj;
  try {
    vj = nlohmann::json::parse(read_text_file(vocab_json, "--bpe"));
  } catch (const nlohmann::json::exception& e) {
    throw InputError("--bpe", "'" + vocab_json + "' is not valid JSON: " + e.what());
  }
  if (!vj.is_object() || vj.empty()) throw InputError("--bpe", "'" + vocab_json + "' must be a JSON object token -> id");
  id_to_token_.resize(vj.size());
  for (auto it = vj.begin(); it != vj.end(); ++it) {
    if (!it.value().is_number_integer()) throw InputError("--bpe", "'" + vocab_json + "': id of '" + it.key() + "' is not an integer");
    const auto id = it.value().get<std::int64_t>();
    if (id < 0 || id >= static_cast<std::int64_t>(vj.size()))
      throw InputError("--bpe", "'" + vocab_json + "': id " + std::to_string(id) + " out of range");
    token_to_id_[it.key()] = static_cast<std::int32_t>(id);
    id_to_token_[static_cast<std::size_t>(id)] = it.key();
  }
  std::istringstream ms(read_text_file(merges_txt, "--bpe"));
  std::string line;
  int rank = 0, lineno = 0;
  while (std::getline(ms, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.rfind("#version", 0) == 0) continue;
    const auto sp = line.find(' ');
    if (sp == std::string::npos || sp == 0 || sp + 1 >= line.size() || line.find(' ', sp + 1) != std::string::npos)
      throw InputError("--bpe", "'" + merges_txt + "' line " + std::to_string(lineno) + ": expected 'A B'");
    merge_rank_.emplace(line, rank++);
  }
}

std::vector<std::string> Gpt2Bpe::bpe(const std::string& word) const {
  // word: mapped code points (UTF-8); split into characters.
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < word.size();) {
    const unsigned char c = static_cast<unsigned char>(word[i]);
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    parts.push_back(word.substr(i, n));
    i += n;
  }
  while (parts.size() > 1) {
    int best = -1;
    std::size_t at = 0;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      auto it = merge_rank_.find(parts[i] + " " + parts[i + 1]);
      if (it != merge_rank_.end() && (best < 0 || it->second < best)) { best = it->second; at = i; }
    }
    if (best < 0) break;
    const std::string a = parts[at], b = parts[at + 1];
    std::vector<std::string> merged;
    for (std::size_t i = 0; i < parts.size();) {
      if (i + 1 < parts.size() && parts[i] == a && parts[i + 1] == b) { merged.push_back(a + b); i += 2; }
      else merged.push_back(parts[i++]);
    }
    parts.swap(merged);
  }
  return parts;
}

std::vector<std::int32_t> Gpt2Bpe::encode(const std::string& text) const {
  // Pre-tokenization as GPT-2's pattern with ASCII classes (bytes >= 0x80 count as letters):
  // contractions, ' ?letters', ' ?digits', ' ?other', whitespace runs.
  std::vector<std::string> pieces;
  auto letter = [](unsigned char c) { return std::isalpha(c) || c >= 0x80; };
  auto digit = [](unsigned char c) { return std::isdigit(c) != 0; };
  auto space = [](unsigned char c) { return std::isspace(c) != 0; };
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\'') {
      bool done = false;
      for (const char* s : {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"})
        if (text.compare(i, std::strlen(s), s) == 0) { pieces.emplace_back(s); i += std::strlen(s); done = true; break; }
      if (done) continue;
    }
    std::size_t j = i;
    if (space(c)) {
      while (j < n && space(static_cast<unsigned char>(text[j]))) ++j;
      // Leave the last space to prefix the next word (\s+(?!\S)).
      if (j < n && j - i > 1 && text[j - 1] == ' ') --j;
      else if (j < n && j - i == 1 && c == ' ') { /* ' ?word' below */ }
      if (!(j < n && j - i == 1 && c == ' ')) { pieces.push_back(text.substr(i, j - i)); i = j; continue; }
    }
    j = i;
    if (text[j] == ' ') ++j;
    if (j < n) {
      const unsigned char d = static_cast<unsigned char>(text[j]);
      std::size_t k = j;
      if (letter(d)) while (k < n && letter(static_cast<unsigned char>(text[k]))) ++k;
      else if (digit(d)) while (k < n && digit(static_cast<unsigned char>(text[k]))) ++k;
      else while (k < n && !space(static_cast<unsigned char>(text[k])) && !letter(static_cast<unsigned char>(text[k])) && !digit(static_cast<unsigned char>(text[k]))) ++k;
      if (k == j) k = j + 1;
      pieces.push_back(text.substr(i, k - i));
      i = k;
    } else {
      pieces.push_back(text.substr(i));
      i = n;
    }
  }
  std::vector<std::int32_t> ids;
  for (const auto& p : pieces) {
    std::string mapped;
    for (unsigned char b : p) mapped += byte_to_unicode_[b];
    for (const auto& tok : bpe(mapped)) {
      auto it = token_to_id_.find(tok);
      if (it == token_to_id_.end())
        throw InputError("--bpe", "token '" + tok + "' produced by merges.txt is missing from vocab.json");
      ids.push_back(it->second);
    }
  }
  return ids;
}

std::string Gpt2Bpe::decode(const std::vector<std::int32_t>& ids) const {
  std::string out;
  for (auto id : ids) {
    const std::string& tok = id_to_token_.at(static_cast<std::size_t>(id));
    for (std::size_t i = 0; i < tok.size();) {
      const unsigned char c = static_cast<unsigned char>(tok[i]);
      const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
      auto it = unicode_to_byte_.find(tok.substr(i, n));
      if (it != unicode_to_byte_.end()) out += static_cast<char>(it->second);
      i += n;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

MarkovLanguage MarkovLanguage::make(int vocab, double alpha, std::uint64_t seed) {
  if (vocab < 2 || vocab > 4096) throw InputError("--data", "synthetic vocabulary must be in [2, 4096]; got " + std::to_string(vocab));
  check_positive("alpha", alpha);
  MarkovLanguage m;
  m.vocab = vocab;
  m.transition.assign(static_cast<std::size_t>(vocab) * vocab, 0.0);
  std::mt19937_64 rng(seed);
  std::gamma_distribution<double> g(alpha, 1.0);
  for (int i = 0; i < vocab; ++i) {
    double sum = 0;
    for (int j = 0; j < vocab; ++j) sum += m.transition[i * vocab + j] = g(rng) + 1e-12;
    for (int j = 0; j < vocab; ++j) m.transition[i * vocab + j] /= sum;
  }
  m.stationary.assign(vocab, 1.0 / vocab);
  for (int it = 0; it < 10000; ++it) {
    std::vector<double> next(vocab, 0.0);
    for (int i = 0; i < vocab; ++i)
      for (int j = 0; j < vocab; ++j) next[j] += m.stationary[i] * m.transition[i * vocab + j];
    double diff = 0;
    for (int j = 0; j < vocab; ++j) diff += std::abs(next[j] - m.stationary[j]);
    m.stationary.swap(next);
    if (diff < 1e-15) break;
  }
  m.entropy_rate = 0;
  for (int i = 0; i < vocab; ++i) {
    double h = 0;
    for (int j = 0; j < vocab; ++j) {
      const double p = m.transition[i * vocab + j];
      if (p > 0) h -= p * std::log(p);
    }
    m.entropy_rate += m.stationary[i] * h;
  }
  return m;
}

std::vector<std::int32_t> MarkovLanguage::sample(std::size_t n, std::uint64_t seed) const {
  std::mt19937_64 rng(seed);
  std::vector<std::int32_t> out;
  out.reserve(n);
  std::discrete_distribution<int> first(stationary.begin(), stationary.end());
  int s = first(rng);
  std::vector<std::discrete_distribution<int>> rows;
  for (int i = 0; i < vocab; ++i)
    rows.emplace_back(transition.begin() + i * vocab, transition.begin() + (i + 1) * vocab);
  for (std::size_t k = 0; k < n; ++k) {
    out.push_back(s);
    s = rows[s](rng);
  }
  return out;
}

std::string fortunes_text(const std::string& dir, std::size_t max_bytes) {
  if (!fs::is_directory(dir))
    throw InputError("--data", "'" + dir + "' not found: install Debian fortunes-min/fortunes (scripts/setup.sh)");
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    const auto p = e.path();
    if (e.is_regular_file() && !p.has_extension()) files.push_back(p.string());
  }
  std::sort(files.begin(), files.end());
  std::string all;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string t = ss.str();
    std::size_t bad = 0;
    if (t.empty() || t.find('\0') != std::string::npos || !valid_utf8(t, bad)) continue;
    // Fortunes are separated by lines holding "%"; keep the text, one blank line between.
    std::istringstream ls(t);
    std::string line;
    while (std::getline(ls, line)) {
      all += line == "%" ? std::string("\n") : line + "\n";
      if (all.size() >= max_bytes) return all;
    }
  }
  if (all.empty()) throw InputError("--data", "no fortune text found in '" + dir + "'");
  return all;
}

namespace {
void split3(const std::vector<std::int32_t>& t, Corpus& c, std::size_t max_train) {
  if (t.size() < 64) throw InputError("--data", "corpus '" + c.name + "' has only " + std::to_string(t.size()) + " tokens (need ≥ 64)");
  // 80/10/10 in contiguous blocks.
  const std::size_t n = t.size();
  std::size_t ntr = n * 8 / 10, nva = n / 10;
  c.train.assign(t.begin(), t.begin() + ntr);
  c.valid.assign(t.begin() + ntr, t.begin() + ntr + nva);
  c.test.assign(t.begin() + ntr + nva, t.end());
  (void)max_train;
}
void cap(std::vector<std::int32_t>& v, std::size_t n) {
  if (n > 0 && v.size() > n) v.resize(n);
}
}  // namespace

Corpus load_corpus(const std::string& spec, std::size_t max_train, std::uint64_t seed,
                   const std::string& bpe_spec) {
  Corpus c;
  const auto colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : spec.substr(colon + 1);
  std::optional<Gpt2Bpe> bpe;
  if (!bpe_spec.empty()) {
    const auto comma = bpe_spec.find(',');
    if (comma == std::string::npos) throw InputError("--bpe", "expected VOCAB_JSON,MERGES_TXT; got '" + bpe_spec + "'");
    bpe.emplace(bpe_spec.substr(0, comma), bpe_spec.substr(comma + 1));
  }
  auto text_tokens = [&](const std::string& text) {
    if (bpe) { c.tokenizer = "gpt2-bpe"; c.vocab = bpe->vocab_size(); return bpe->encode(text); }
    c.tokenizer = "byte";
    c.vocab = 256;
    return byte_tokens(text);
  };
  // PTB / WikiText under a BPE tokenizer: the three split files tokenized as raw text.
  auto bpe_splits = [&](const std::string& name, const std::string& stem, const std::string& ext) {
    c = Corpus{};
    c.name = name;
    c.train = text_tokens(read_text_file(arg + stem + "train" + ext, "--data"));
    c.valid = text_tokens(read_text_file(arg + stem + "valid" + ext, "--data"));
    c.test = text_tokens(read_text_file(arg + stem + "test" + ext, "--data"));
  };
  const std::size_t want = max_train == 0 ? 0 : max_train + max_train / 2;
  if (kind == "synthetic") {
    int v = 16;
    if (!arg.empty()) {
      try { std::size_t p = 0; v = std::stoi(arg, &p); if (p != arg.size()) throw 1; }
      catch (...) { throw InputError("--data", "synthetic:V needs an integer V; got '" + arg + "'"); }
    }
    const auto lang = MarkovLanguage::make(v, 0.5, 20260001);
    c.name = "synthetic-markov(V=" + std::to_string(v) + ")";
    c.tokenizer = "synthetic";
    c.vocab = v;
    c.entropy_rate = lang.entropy_rate;
    const std::size_t n = max_train == 0 ? 65536 : max_train;
    c.train = lang.sample(n, seed * 3 + 1);
    c.valid = lang.sample(std::max<std::size_t>(n / 4, 64), seed * 3 + 2);
    c.test = lang.sample(std::max<std::size_t>(n / 4, 64), seed * 3 + 3);
    return c;
  }
  if (kind == "fortunes") {
    c.name = "fortunes";
    std::string text = fortunes_text(arg.empty() ? "/usr/share/games/fortunes" : arg,
                                      want == 0 ? (4u << 20) : std::max<std::size_t>(want * 8, 4096));
    split3(text_tokens(text), c, max_train);
  } else if (kind == "bytes" || kind == "text") {
    if (arg.empty()) throw InputError("--data", "bytes:FILE needs a file");
    c.name = "text(" + arg + ")";
    // Byte-level text becomes 4-byte tokens: 128 MiB of it is 0.5 GiB of tokens (an endless pipe
    // at the 1 GiB cap ran out of memory: issue 26).
    split3(text_tokens(read_text_file(arg, "--data", 128 * kMiB)), c, max_train);
  } else if (kind == "ptb") {
    if (bpe) bpe_splits("ptb", "/ptb.", ".txt");
    else c = load_ptb(arg);
  } else if (kind == "wikitext") {
    if (bpe) bpe_splits("wikitext-103", "/wiki.", ".tokens");
    else c = load_wikitext(arg);
  } else {
    throw InputError("--data", "unknown data '" + spec + "'; expected synthetic[:V], fortunes[:DIR], bytes:FILE, ptb:DIR, wikitext:DIR");
  }
  cap(c.train, max_train);
  cap(c.valid, max_train / 4 > 64 ? max_train / 4 : (max_train ? 64 : 0));
  cap(c.test, max_train / 4 > 64 ? max_train / 4 : (max_train ? 64 : 0));
  if (c.train.empty() || c.valid.empty() || c.test.empty())
    throw InputError("--data", "corpus '" + c.name + "' has an empty split");
  return c;
}

}  // namespace villani::experiments
