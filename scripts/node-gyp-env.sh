# Sourced by the scripts that build Node-API addons (setup-tfjs-node.sh, setup-native.sh): finds
# the tools with `find_node_gyp TOOL...`, which sets NODEDIR (Node's installed headers) and NODE_GYP
# (the node-gyp bundled with npm: no download), or calls the sourcing script's `fallback REASON FIX`.
find_node_gyp() {
  local tool d npm_dir
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || fallback "'$tool' is missing to build a native addon" \
      "Install a compiler: apt-get install g++ make python3, then rerun bash scripts/setup.sh."
  done
  NODEDIR=""
  for d in "$(dirname "$(dirname "$(command -v node)")")" /usr /usr/local; do
    if [[ -f "$d/include/node/node_api.h" && -f "$d/include/node/common.gypi" ]]; then NODEDIR="$d"; break; fi
  done
  [[ -n "$NODEDIR" ]] || fallback "Node's C headers (include/node/node_api.h) are not installed" \
    "Install them (the nodejs package from nodesource has them; Debian: apt-get install libnode-dev) and rerun bash scripts/setup.sh."
  npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
  NODE_GYP="$npm_dir/node_modules/node-gyp/bin/node-gyp.js"
  [[ -f "$NODE_GYP" ]] || fallback "npm's bundled node-gyp was not found at $NODE_GYP" \
    "Install node-gyp (npm install -g node-gyp) and rerun bash scripts/setup.sh."
}
