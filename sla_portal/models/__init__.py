from . import contract_contract
