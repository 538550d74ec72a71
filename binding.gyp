{
  # The addon as node-gyp builds it at install time (and prebuildify for the
  # prebuilt binaries): build/Release/backprop.node, found by node-gyp-build.
  # Same layout as native/core/CMakeLists.txt: files named *_avx2.cpp,
  # *_avx512.cpp, *_avx512bf16.cpp, *_amx.cpp, *_neon.cpp are compiled alone with their own flags and
  # announce themselves with BACKPROP_HAVE_<ISA>; everything else targets the
  # baseline CPU, so one binary runs anywhere and picks its ISA at run time.
  'variables': {
    # Lists native/core and native/core/gemm sources; argument: a suffix to
    # keep ('_avx2.cpp' ...), or 'baseline' for all the others.
    'list_core_sources': "node -p \"const fs = require('fs'); const isa = ['_avx2.cpp', '_avx512.cpp', '_avx512bf16.cpp', '_amx.cpp', '_neon.cpp']; const want = process.argv[1]; ['native/core', 'native/core/gemm'].flatMap((dir) => fs.readdirSync(dir).filter((f) => f.endsWith('.cpp') && (want === 'baseline' ? !isa.some((s) => f.endsWith(s)) : f.endsWith(want))).map((f) => dir + '/' + f)).join(' ')\"",
  },
  'target_defaults': {
    'include_dirs': ['native/core'],
    # -fno-math-errno: sqrt sets no errno, so the optimizer passes vectorize.
    'cflags': ['-O3', '-Wall', '-Wextra', '-fPIC', '-fno-math-errno'],
    'cflags!': ['-fno-exceptions'],
    'cflags_cc': ['-std=c++17'],
    'cflags_cc!': ['-fno-exceptions', '-std=gnu++17'],
    'conditions': [
      ['target_arch=="x64"', {'defines': ['BACKPROP_HAVE_AVX2', 'BACKPROP_HAVE_AVX512', 'BACKPROP_HAVE_AVX512BF16', 'BACKPROP_HAVE_AMX']}],
      ['target_arch=="arm64"', {'defines': ['BACKPROP_HAVE_NEON']}],
    ],
  },
  'targets': [
    {
      'target_name': 'backprop',
      'sources': [
        '<!@(node -p "require(\'fs\').readdirSync(\'native/binding\').filter((f) => f.endsWith(\'.cpp\')).map((f) => \'native/binding/\' + f).join(\' \')")',
        '<!@(<(list_core_sources) baseline)',
      ],
      'include_dirs': ['<!(node -p "require(\'node-addon-api\').include_dir")'],
      'defines': [
        'NAPI_VERSION=8',
        'NAPI_CPP_EXCEPTIONS',
        'NODE_ADDON_API_DISABLE_DEPRECATED',
        # A worker terminated while a chunk trains completes that chunk during its
        # shutdown, when JS can no longer run: settling the promise must not abort.
        'NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS',
      ],
      'conditions': [
        ['target_arch=="x64"', {'dependencies': ['backprop_avx2', 'backprop_avx512', 'backprop_avx512bf16', 'backprop_amx']}],
        ['target_arch=="arm64"', {'dependencies': ['backprop_neon']}],
      ],
    },
  ],
  'conditions': [
    ['target_arch=="x64"', {
      'targets': [
        {
          'target_name': 'backprop_avx2',
          'type': 'static_library',
          'sources': ['<!@(<(list_core_sources) _avx2.cpp)'],
          'cflags': ['-mavx2', '-mfma'],
        },
        {
          'target_name': 'backprop_avx512',
          'type': 'static_library',
          'sources': ['<!@(<(list_core_sources) _avx512.cpp)'],
          'cflags': ['-mavx512f', '-mfma'],
        },
        {
          'target_name': 'backprop_avx512bf16',
          'type': 'static_library',
          'sources': ['<!@(<(list_core_sources) _avx512bf16.cpp)'],
          'cflags': ['-mavx512f', '-mavx512bw', '-mavx512bf16', '-mfma'],
        },
        {
          'target_name': 'backprop_amx',
          'type': 'static_library',
          'sources': ['<!@(<(list_core_sources) _amx.cpp)'],
          'cflags': ['-mavx512f', '-mavx512bw', '-mavx512bf16', '-mamx-tile', '-mamx-bf16'],
        },
      ],
    }],
    ['target_arch=="arm64"', {
      'targets': [
        {
          'target_name': 'backprop_neon',
          'type': 'static_library',
          'sources': ['<!@(<(list_core_sources) _neon.cpp)'],
        },
      ],
    }],
  ],
}
