/* SPDX-License-Identifier: MIT */
// Every standard C++17 header still compiles after <windows.h>, whose
// <excpt.h> gives __try its structured-exception meaning (libstdc++ uses
// its own __try in its headers).
#include <windows.h>

#include <algorithm>
#include <any>
#include <array>
#include <atomic>
#include <bitset>
#include <cassert>
#include <ccomplex>
#include <cctype>
#include <cerrno>
#include <cfenv>
#include <cfloat>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <ciso646>
#include <climits>
#include <clocale>
#include <cmath>
#include <codecvt>
#include <complex>
#include <condition_variable>
#include <csetjmp>
#include <csignal>
#include <cstdalign>
#include <cstdarg>
#include <cstdbool>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctgmath>
#include <ctime>
#include <cuchar>
#include <cwchar>
#include <cwctype>
#include <deque>
#include <exception>
#include <execution>
#include <filesystem>
#include <forward_list>
#include <fstream>
#include <functional>
#include <future>
#include <initializer_list>
#include <iomanip>
#include <ios>
#include <iosfwd>
#include <iostream>
#include <istream>
#include <iterator>
#include <limits>
#include <list>
#include <locale>
#include <map>
#include <memory>
#include <memory_resource>
#include <mutex>
#include <new>
#include <numeric>
#include <optional>
#include <ostream>
#include <queue>
#include <random>
#include <ratio>
#include <regex>
#include <scoped_allocator>
#include <set>
#include <shared_mutex>
#include <sstream>
#include <stack>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <tuple>
#include <type_traits>
#include <typeindex>
#include <typeinfo>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <valarray>
#include <variant>
#include <vector>

int main()
{
	std::vector<double> v{std::sqrt(4.0), std::pow(2.0, 3.0)};
	std::mt19937 gen(1);
	std::complex<double> c(v[0], v[1]);
	std::valarray<int> va{1, 2, 3};
	volatile int caught = 0;
	__try {
		caught = static_cast<int>(gen() % 2) + va.sum();
	} __except (EXCEPTION_EXECUTE_HANDLER) {
		caught = -1;
	}
	std::printf("std headers: %s\n",
	            c.real() == 2.0 && c.imag() == 8.0 && caught >= 6 ? "ok" : "wrong");
	return 0;
}
